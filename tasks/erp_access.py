"""ERP failures turned into the system exceptions the work-item wrapper retries.

Keyword libraries get their ERP from ``connectors.erp.connect`` (one pooled client per robot
process, typed as the ``Erp`` protocol) and wrap each call in ``erp_call``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from connectors.erp.base import ErpError
from tasks.errors import SystemException

T = TypeVar("T")


def erp_call(call: Callable[[], T]) -> T:
    """Run an ERP call; ``ERP-UNAVAILABLE`` / ``ERP-ERROR`` become a ``SystemException``
    (retried with back-off by the queue, then left for a person)."""
    try:
        return call()
    except ErpError as exc:
        raise SystemException(exc.code, str(exc), {"reason": str(exc), **exc.details}) from exc
