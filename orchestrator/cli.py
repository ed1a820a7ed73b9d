"""The ``kommunerpa`` command line: one root group, each command group in its own module.

The CLI and the control-room web app call the same service functions; no command touches
the tables directly.
"""

from __future__ import annotations

import importlib

import click

# "module:attribute" of each click command or group, in the order `--help` lists them.
COMMAND_GROUPS: tuple[str, ...] = (
    "tasks.ehf.cli:ehf",
    "benchmarks.cli:bench",
    "connectors.erp_stub.cli:erp_stub",
    "orchestrator.commands.process:process",
    "orchestrator.commands.invoices:invoices",
    "orchestrator.commands.exceptions:exceptions",
    "orchestrator.commands.runs:runs",
    "orchestrator.commands.audit:audit",
    "orchestrator.commands.demo:demo",
    "orchestrator.commands.run:run",
    "orchestrator.commands.db:db",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Kommune-RPA: robots for EHF invoice receipt, control, matching and posting."""


for _spec in COMMAND_GROUPS:
    _module, _, _attr = _spec.partition(":")
    cli.add_command(getattr(importlib.import_module(_module), _attr))


def main() -> None:
    """Console entry point (``kommunerpa``)."""
    cli()
