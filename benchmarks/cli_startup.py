"""How fast the ``kommunerpa`` command line starts: ``--help`` and the list commands.

Runs each command a few times in a fresh interpreter (``python -X importtime``), prints the
best wall time, the import time the interpreter reports for the CLI's own modules, and
whether the heavy packages (the ERP stub's FastAPI, Robot Framework) were imported. Target
(issue 10): well under a second; neither heavy package for these commands.

    .venv/bin/python benchmarks/cli_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (["--help"], ["invoices", "list"], ["exceptions", "list"], ["runs", "list"])
HEAVY = ("fastapi", "robot", "connectors.erp_stub.app", "uvicorn")
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def _run(command: list[str], env: dict[str, str]) -> tuple[float, int, list[str]]:
    """Wall seconds, cumulative top-level import microseconds, heavy modules imported."""
    script = (
        "import sys; sys.argv = ['kommunerpa', *sys.argv[1:]]\n"
        "import orchestrator.cli as cli; cli.main()"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script, *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    imports = list(_IMPORT_LINE.finditer(done.stderr))
    top_level = sum(int(m.group(2)) for m in imports if len(m.group(3)) == 1)
    heavy = sorted({m.group(4) for m in imports if m.group(4).split(".")[0] in HEAVY})
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-500:]}")
    return wall, top_level, heavy


def main() -> None:
    """Print the startup figures of each command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (best is shown)")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KOMMUNERPA_HOME": home}
        env.pop("KOMMUNERPA_DATABASE_URL", None)
        _run(["invoices", "list"], env)  # creates and migrates the database once
        print(f"load average {os.getloadavg()[0]:.2f}; best of {runs} runs")
        print(f"{'command':<24}{'wall s':>8}{'imports s':>11}  heavy packages imported")
        for command in COMMANDS:
            results = [_run(command, env) for _ in range(runs)]
            wall = min(r[0] for r in results)
            imports = min(r[1] for r in results) / 1e6
            heavy = ", ".join(results[0][2]) or "none"
            print(f"{' '.join(command):<24}{wall:>8.3f}{imports:>11.3f}  {heavy}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
