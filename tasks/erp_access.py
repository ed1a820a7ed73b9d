"""ERP access for keyword libraries: one pooled client per robot process, and ERP failures
turned into the system exceptions the work-item wrapper retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from connectors.erp.base import ErpError
from connectors.erp.rest import RestErp
from tasks.errors import SystemException

T = TypeVar("T")


def erp_call(call: Callable[[], T]) -> T:
    """Run an ERP call; ``ERP-UNAVAILABLE`` / ``ERP-ERROR`` become a ``SystemException``
    (retried with back-off by the queue, then left for a person)."""
    try:
        return call()
    except ErpError as exc:
        raise SystemException(exc.code, str(exc), {"reason": str(exc), **exc.details}) from exc


def connect(url: str) -> RestErp:
    """The ERP client for ``url`` (KOMMUNERPA_ERP_URL)."""
    return RestErp(url)
