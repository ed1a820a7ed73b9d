"""A step run on its own, as RCC users expect: ``python -m robot robots/<step>.robot``.

Without the orchestrator's runner (``RPA_WORKITEMS_ADAPTER`` is not the queue adapter) a
robot uses rpaframework's standard ``FileAdapter`` on sample work items. Before the first item
is taken, ``prepare``:

1. names the step after the suite (``KOMMUNERPA_STEP``, unless set);
2. creates a temporary home with its own SQLite database (``KOMMUNERPA_HOME``, unless set);
3. copies the input work items (``RPA_INPUT_WORKITEM_PATH``, default
   ``devdata/work-items-in/<step>/work-items.json``) into that home, so the samples are never
   changed, and writes the outputs to ``RPA_OUTPUT_WORKITEM_PATH`` (default
   ``<output dir>/work-items-out/work-items.json``);
4. seeds the home from the samples as the step before would have left it: a receipt item's
   attached file is put where receipt reads it (``path``); a later step's attached invoice is
   archived and registered, its ``invoice_id`` written into the item, and a ``prepared_voucher``
   in a posting item's payload stored on the invoice.

The ERP is ``KOMMUNERPA_ERP_URL`` as always (``kommunerpa erp-stub serve`` gives one).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from orchestrator import robot_api
from orchestrator.config import load_settings
from orchestrator.migrate import upgrade
from orchestrator.steps import STEPS, status_before

PROJECT = Path(__file__).resolve().parents[1]
#: Where the sample work items of each step are, in Robocorp's layout.
DEVDATA = PROJECT / "devdata" / "work-items-in"

_prepared: list[bool] = []


def prepare() -> None:
    """Make this process a step run alone (once; later calls do nothing)."""
    if _prepared:
        return
    _prepared.append(True)
    step = os.environ.setdefault("KOMMUNERPA_STEP", _suite_step())
    if not os.environ.get("KOMMUNERPA_HOME"):
        os.environ["KOMMUNERPA_HOME"] = tempfile.mkdtemp(prefix=f"kommunerpa-{step}-")
    settings = load_settings()
    settings.ensure_folders()
    upgrade(settings.database_url)
    logging.info("step %s runs alone in %s", step, settings.home)
    source = Path(os.environ.get("RPA_INPUT_WORKITEM_PATH") or DEVDATA / step / "work-items.json")
    copy = settings.home / "work-items-in" / step
    shutil.copytree(source.parent, copy, dirs_exist_ok=True)
    inputs = copy / source.name
    os.environ["RPA_INPUT_WORKITEM_PATH"] = str(inputs)
    os.environ.setdefault("RPA_OUTPUT_WORKITEM_PATH", str(_output_dir(settings.home, step)))
    items = json.loads(inputs.read_text(encoding="utf-8"))
    ctx = robot_api.context()
    for item in items:
        _seed(ctx, step, item, copy)
    inputs.write_text(json.dumps(items, indent=2, ensure_ascii=False), encoding="utf-8")


def _suite_step() -> str:
    """The step named by the running suite's file (``robots/control.robot``: ``control``)."""
    from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

    try:
        source = BuiltIn().get_variable_value("${SUITE SOURCE}")
    except RobotNotRunningError:
        return "unknown"
    name = Path(source).stem if source else ""
    return name if name in STEPS else "unknown"


def _output_dir(home: Path, step: str) -> Path:
    from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

    try:
        folder = Path(BuiltIn().get_variable_value("${OUTPUT DIR}"))
    except RobotNotRunningError:
        folder = home / step
    return folder / "work-items-out" / "work-items.json"


def _seed(ctx: robot_api.RobotContext, step: str, item: dict[str, Any], folder: Path) -> None:
    payload = item.setdefault("payload", {}) or {}
    item["payload"] = payload
    files = item.get("files") or {}
    if not files:
        return
    name, relative = next(iter(files.items()))
    data = (folder / relative).read_bytes()
    if step == "receipt":
        if "path" not in payload:
            target = ctx.settings.received / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            payload["path"] = str(target.relative_to(ctx.settings.home))
            payload.setdefault("file", name)
        return
    if "invoice_id" not in payload:
        payload["invoice_id"] = _register(ctx, step, name, data, payload.get("prepared_voucher"))


def _register(
    ctx: robot_api.RobotContext,
    step: str,
    name: str,
    data: bytes,
    voucher: dict[str, Any] | None,
) -> int:
    """Archive and register a sample invoice as the steps before ``step`` would have."""
    from tasks.ehf.model import parse_invoice
    from tasks.receipt import archive
    from tasks.receipt.classify import classify

    stored = archive.store(ctx.settings.archive, data)
    robot_api.record_stored_file(
        ctx, sha256=stored.sha256, size=stored.size, path=stored.path, name=name, kind="original"
    )
    invoice = parse_invoice(classify(data, name).root)
    registered = robot_api.register_invoice(
        ctx,
        item=robot_api.WorkItemRef(None, {}),
        file_name=name,
        sha256=stored.sha256,
        key_fields=invoice.key_fields(),
        status=status_before(step),
    )
    if voucher is not None:
        robot_api.store_prepared_voucher(ctx, registered.invoice_id, voucher)
    return registered.invoice_id
