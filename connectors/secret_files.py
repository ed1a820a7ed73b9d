"""Secrets (the ERP token, the control room's session key) from the environment or from a
file only its owner can read; never from the repository, never in a log line or an error.

A secret file readable by its group or by others is refused with a clear error (``chmod 600``
it), as ssh does with a private key: a secret that others can read is no longer one.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path


class SecretFileError(ValueError):
    """A secret file that cannot be used: too open, missing or empty (the message says which
    file and what to do; it never holds the secret)."""


def read_secret_file(path: Path, what: str) -> str:
    """The secret in ``path`` (surrounding whitespace dropped); ``what`` names it in errors."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise SecretFileError(f"{what}: cannot read {path} ({error.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretFileError(
            f"{what}: {path} may be read by others (mode {stat.S_IMODE(mode):04o}); "
            f"allow its owner only: chmod 600 {path}"
        )
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise SecretFileError(f"{what}: {path} is empty")
    return value


def secret_from(env: Mapping[str, str], variable: str, file_variable: str) -> str | None:
    """The secret in ``env[variable]``, else in the file ``env[file_variable]`` names (checked
    as ``read_secret_file``), else ``None``."""
    if env.get(variable):
        return env[variable]
    if env.get(file_variable):
        return read_secret_file(Path(env[file_variable]), file_variable)
    return None


def write_secret_file(path: Path, value: str) -> None:
    """Write ``value`` to a new file ``path``, readable by its owner only (mode 0600 from the
    start, so never readable by others, not even for a moment); ``FileExistsError`` if it
    exists (a concurrent first start: use the other's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(value + "\n")
