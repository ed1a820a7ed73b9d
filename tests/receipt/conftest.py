"""The orchestrator's temporary-home fixtures, for the receipt tests too."""

from tests.orchestrator.conftest import backend, cli_env, postgres_url, settings

__all__ = ["backend", "cli_env", "postgres_url", "settings"]
