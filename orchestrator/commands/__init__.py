"""The orchestrator's CLI commands, one module per command or group (see orchestrator.cli)."""

from __future__ import annotations

from orchestrator.config import Settings, load_settings
from orchestrator.listing import OSLO
from orchestrator.pipeline import prepare

__all__ = ["OSLO", "ready_settings"]


def ready_settings() -> Settings:
    """Settings from the environment, with the home's folders and the schema up to date."""
    settings = load_settings()
    prepare(settings)
    return settings
