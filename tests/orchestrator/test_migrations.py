"""The migrations build the schema the models describe, on both databases: a column, index
or table added to ``orchestrator/models.py`` without its migration (or the other way round)
fails here, not on a municipality's database at its next upgrade."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from orchestrator.config import Settings
from orchestrator.db import engine_for
from orchestrator.models import Base

#: APScheduler's job store: migration 0005 makes it as APScheduler wants it; no model of ours.
NOT_OURS = {"apscheduler_jobs"}


def _ours(obj: Any, name: str | None, type_: str, _reflected: bool, _compared_to: Any) -> bool:
    table = name if type_ == "table" else obj.table.name
    return table not in NOT_OURS


def test_the_migrated_schema_is_the_models_schema(settings: Settings) -> None:
    # ``settings`` has its database migrated to the newest revision.
    with engine_for(settings.database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _ours})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
