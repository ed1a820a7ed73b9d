"""The orchestrator's CLI commands, one module per command or group (see orchestrator.cli)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from orchestrator.config import Settings, load_settings
from orchestrator.pipeline import prepare

OSLO = ZoneInfo("Europe/Oslo")


def ready_settings() -> Settings:
    """Settings from the environment, with the home's folders and the schema up to date."""
    settings = load_settings()
    prepare(settings)
    return settings
