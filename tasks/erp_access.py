"""ERP failures turned into the system exceptions the work-item wrapper retries.

Keyword libraries get their ERP from ``connectors.erp.connect`` (one pooled client per robot
process, typed as the ``Erp`` protocol) and wrap each call in ``erp_call``; a keyword that
looks up a whole batch asks for it first, in bulk, inside ``prefetched``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

from connectors.erp.base import ErpError
from connectors.erp.cache import BatchNeeds, MasterDataCache
from tasks.errors import SystemException

T = TypeVar("T")


def erp_call(call: Callable[[], T]) -> T:
    """Run an ERP call; ``ERP-UNAVAILABLE`` / ``ERP-ERROR`` become a ``SystemException``
    (retried with back-off by the queue, then left for a person)."""
    try:
        return call()
    except ErpError as exc:
        raise SystemException(exc.code, str(exc), {"reason": str(exc), **exc.details}) from exc


@contextmanager
def prefetched(erp: MasterDataCache, needs: BatchNeeds) -> Iterator[None]:
    """Inside, ``erp`` answers the batch's lookups from what it loaded in bulk on entry
    (``MasterDataCache.begin_batch``); afterwards nothing of it is used again. If the bulk
    load fails, each lookup asks on its own, so each invoice fails or goes on by itself."""
    with suppress(ErpError):  # else call by call: the first invoice to fail holds the rest
        erp.begin_batch(needs)
    try:
        yield
    finally:
        erp.end_batch()
