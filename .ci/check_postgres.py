"""Fail CI clearly when PostgreSQL tests are switched on but the server cannot be reached.

Without this the PostgreSQL tests would error one by one with connection tracebacks (or,
worse, a typo in the variable would silently skip them).
"""

from __future__ import annotations

import os
import sys

import psycopg

VARIABLE = "KOMMUNERPA_TEST_POSTGRES_URL"


def main() -> int:
    """Exit 0 when the variable is unset or the server answers; 1 with the reason otherwise."""
    url = os.environ.get(VARIABLE)
    if not url:
        print(f"{VARIABLE} is not set: PostgreSQL tests will be skipped")
        return 0
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as exc:
        print(f"{VARIABLE}={url} is set but PostgreSQL is unreachable: {exc}", file=sys.stderr)
        return 1
    print(f"PostgreSQL {version} reachable at {url}: PostgreSQL tests enabled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
