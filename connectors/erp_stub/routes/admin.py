"""Administration: load a seed, set and reset faults. Never faulted itself."""

from __future__ import annotations

from fastapi import APIRouter, Request

from connectors.erp_stub.deps import DbSession, JsonBody, invalid
from connectors.erp_stub.faults import ADMIN_PREFIX
from connectors.erp_stub.schemas import FaultSettings, SeedReport
from connectors.erp_stub.seed import SeedError, load_seed, parse_seed

router = APIRouter(prefix=ADMIN_PREFIX.rstrip("/"), tags=["admin"])


@router.post("/seed", response_model=SeedReport)
def seed(db: DbSession, payload: JsonBody, reset: bool = False) -> SeedReport:
    """Load a seed file (the JSON object itself) in one transaction; ``?reset=true`` empties
    the stub first, posted invoices included. Any problem: 422 and nothing changed."""
    try:
        loaded = load_seed(db, parse_seed(payload), reset=reset)
        db.commit()
    except SeedError as exc:
        db.rollback()
        message = f"seed rejected, nothing changed:\n{exc}"
        raise invalid("INVALID-SEED", message, exc.errors) from None
    return SeedReport(reset=reset, loaded=loaded)


@router.get("/faults", response_model=FaultSettings)
def get_faults(request: Request) -> FaultSettings:
    """The faults in force."""
    return request.app.state.faults.faults


@router.put("/faults", response_model=FaultSettings)
def set_faults(settings: FaultSettings, request: Request) -> FaultSettings:
    """Replace the faults in force (fields left out are off)."""
    request.app.state.faults.set(settings)
    return settings


@router.delete("/faults", response_model=FaultSettings)
def reset_faults(request: Request) -> FaultSettings:
    """Switch every fault off."""
    request.app.state.faults.set(FaultSettings())
    return request.app.state.faults.faults
