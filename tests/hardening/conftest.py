"""Fixtures of the hardening tests: the orchestrator's temporary homes and the ERP stub."""

from tests.erp_fixture import erp_stub
from tests.orchestrator.conftest import backend, cli_env, postgres_url, settings

__all__ = ["backend", "cli_env", "erp_stub", "postgres_url", "settings"]
