"""``kommunerpa db upgrade``: bring the database schema up to date."""

from __future__ import annotations

import click

from orchestrator.config import load_settings
from orchestrator.migrate import upgrade as upgrade_schema


@click.group()
def db() -> None:
    """The orchestrator database."""


@db.command()
def upgrade() -> None:
    """Apply the Alembic migrations (done automatically by every other command too)."""
    settings = load_settings()
    settings.ensure_folders()
    upgrade_schema(settings.database_url)
    click.echo("database schema is up to date")
