"""The ``kommunerpa`` command line: one root group, each command group in its own module.

The CLI and the control-room web app call the same service functions; no command touches
the tables directly.

Command modules are imported only when their command runs: ``kommunerpa --help`` reads each
command's name and help from its module's source, so neither it nor ``invoices list`` pays
for the ERP stub, FastAPI or Robot Framework (``benchmarks/cli_startup.py`` measures it).
A locked, missing or corrupt database, or a secret file others may read, ends any command
with one clear line and exit code 2, never a traceback.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from functools import cache
from pathlib import Path
from typing import Any

import click

# "module:attribute" of each click command or group, in the order `--help` lists them.
COMMAND_GROUPS: tuple[str, ...] = (
    "tasks.ehf.cli:ehf",
    "benchmarks.cli:bench",
    "tasks.pdf.cli:pdf",
    "connectors.erp_stub.cli:erp_stub",
    "orchestrator.commands.process:process",
    "orchestrator.commands.invoices:invoices",
    "orchestrator.commands.exceptions:exceptions",
    "orchestrator.commands.responses:responses",
    "orchestrator.commands.runs:runs",
    "orchestrator.commands.audit:audit",
    "orchestrator.commands.archive:archive",
    "orchestrator.commands.backup:backup",
    "orchestrator.commands.backup:restore",
    "orchestrator.commands.demo:demo",
    "orchestrator.commands.run:run",
    "orchestrator.commands.scheduler:scheduler",
    "orchestrator.commands.robots:robots",
    "orchestrator.commands.runner:runner",
    "orchestrator.commands.db:db",
    "orchestrator.commands.users:users",
    "orchestrator.commands.serve:serve",
    "orchestrator.commands.chaos:chaos",
)

#: Exit code of any command that could not reach its database (``audit verify``: "could
#: not check", as opposed to 1, "the chain is broken").
EXIT_DATABASE = 2

_CLICK_DECORATORS = {"command", "group"}


@cache
def _declared(spec: str) -> tuple[str, str]:
    """``(name, short help)`` of the command ``spec`` names, read from its module's source
    without importing the module (nor what it imports)."""
    module, _, attribute = spec.partition(":")
    tree = ast.parse(_source_path(module).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            return _command_name(node), (ast.get_docstring(node) or "").split("\n\n")[0]
    raise LookupError(f"{spec}: no function {attribute} in {module}")


def _source_path(module: str) -> Path:
    """The file of ``module``, found from its top-level package: ``find_spec`` of the full
    name would import every package on the way (and what their ``__init__`` imports)."""
    top, *rest = module.split(".")
    found = importlib.util.find_spec(top)
    if found is None or found.origin is None:
        raise LookupError(f"no module {module}")
    path = Path(found.origin).parent.joinpath(*rest)
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _command_name(function: ast.FunctionDef) -> str:
    """The name click gives the decorated function: the decorator's first argument if it
    is a string, else the function's name with dashes (click's own rule)."""
    for decorator in function.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call else decorator
        if isinstance(target, ast.Attribute) and target.attr in _CLICK_DECORATORS and call:
            first = call.args[0] if call.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
    name = function.name.lower().replace("_", "-")
    for suffix in ("-command", "-cmd", "-group", "-grp"):
        name = name.removesuffix(suffix)
    return name


class LazyGroup(click.Group):
    """A group whose commands are ``COMMAND_GROUPS`` specs, imported on first use."""

    def __init__(self, *args: Any, specs: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.specs = {_declared(spec)[0]: spec for spec in specs}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.specs)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = self.specs.get(cmd_name)
        if spec is None:
            return None
        module, _, attribute = spec.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in self.specs)
        rows = [
            (name, click.utils.make_default_short_help(_declared(spec)[1], limit))
            for name, spec in self.specs.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    specs=COMMAND_GROUPS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
def cli() -> None:
    """Kommune-RPA: robots for EHF invoice receipt, control, matching and posting."""


def main() -> None:
    """Console entry point (``kommunerpa``)."""
    # Imported here, not at the top: ``--help`` needs no SQLAlchemy.
    from sqlalchemy.exc import DatabaseError, DataError, IntegrityError, ProgrammingError

    from connectors.secret_files import SecretFileError

    try:
        cli()
    except SecretFileError as exc:  # the message names the file, never the secret
        click.echo(f"kommunerpa: {exc}", err=True)
        sys.exit(EXIT_DATABASE)
    except (IntegrityError, ProgrammingError, DataError):
        raise  # a fault in this program, not in the database: keep the traceback
    except DatabaseError as exc:  # OperationalError (locked, unreachable), a damaged file
        click.echo(f"kommunerpa: {database_problem(exc)}", err=True)
        sys.exit(EXIT_DATABASE)


def database_problem(exc: Exception) -> str:
    """One line for a database the command could not use: what, and what to do."""
    original = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    lowered = original.lower()
    if "locked" in lowered or "busy" in lowered:
        what = "the database is locked by another process; try again when it has finished"
    elif "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        what = "the database file is damaged; restore it from the backup"
    elif "unable to open" in lowered or "could not connect" in lowered or "connection" in lowered:
        what = "the database cannot be reached; check KOMMUNERPA_DATABASE_URL and the server"
    else:
        what = "the database could not be used"
    return f"{what} ({original})"
