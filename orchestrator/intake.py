"""Turn finished inbox files into receipt work items."""

from __future__ import annotations

from connectors.inbox.folder import claim, ready_files
from orchestrator import queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.runner import runner_name


def feed_inbox(settings: Settings) -> int:
    """Claim every ready inbox file and queue it for receipt; return how many."""
    count = 0
    for path in ready_files(settings.inbox):
        claimed = claim(path, settings.received)
        if claimed is None:
            continue  # another runner took it
        with transaction(settings.database_url) as session:
            queue.enqueue(
                session,
                step="receipt",
                actor=f"runner:{runner_name()}",
                payload={
                    "file": claimed.name,
                    "path": str(claimed.path.relative_to(settings.home)),
                },
            )
        count += 1
    return count
