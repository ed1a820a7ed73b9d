"""The ERP stub's FastAPI application factory."""

from __future__ import annotations

import os

from fastapi import FastAPI

from connectors.erp_stub.auth import TokenMiddleware
from connectors.erp_stub.faults import FaultInjector, FaultMiddleware
from connectors.erp_stub.models import make_engine, make_sessionmaker
from connectors.erp_stub.routes import admin, master_data, posted_invoices
from connectors.erp_stub.schemas import ErrorAnswer, FaultSettings, Health

DB_ENV = "KOMMUNERPA_ERP_STUB_DB"
DEFAULT_DB = "sqlite:///var/erp-stub.sqlite"


def create_app(
    db_url: str | None = None, faults: FaultSettings | None = None, token: str | None = None
) -> FastAPI:
    """An ERP stub over the database at ``db_url`` (default ``$KOMMUNERPA_ERP_STUB_DB`` or
    ``sqlite:///var/erp-stub.sqlite``), starting with ``faults`` in force; with ``token``,
    only requests bearing it are served (``connectors.erp_stub.auth``)."""
    app = FastAPI(
        responses={422: {"model": ErrorAnswer, "description": "Refused: problems by place"}},
        title="Kommune-RPA ERP stub",
        version="1",
        description="A stand-in for the municipality's ERP: master data, purchase orders, "
        "goods receipts and the incoming-invoice register, with faults on demand. "
        "Amounts are decimal strings.",
    )
    app.state.sessions = make_sessionmaker(
        make_engine(db_url or os.environ.get(DB_ENV, DEFAULT_DB))
    )
    app.state.faults = FaultInjector(faults)
    app.add_middleware(FaultMiddleware, injector=app.state.faults)
    if token:
        app.add_middleware(TokenMiddleware, token=token)  # added last: checked first

    for router in master_data.ROUTERS:
        app.include_router(router)
    app.include_router(posted_invoices.router)
    app.include_router(admin.router)

    @app.get("/health", response_model=Health, tags=["admin"])
    def health() -> Health:
        """Up and serving (503 during an injected outage)."""
        return Health()

    return app
