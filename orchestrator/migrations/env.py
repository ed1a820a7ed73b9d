"""Alembic environment: runs on the connection ``orchestrator.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from orchestrator.db import make_engine
from orchestrator.models import Base

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with make_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
        _run(conn)
