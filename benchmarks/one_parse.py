"""What loading an invoice costs in control and matching, with the model receipt kept (one
parse per invoice, issue 15) and without it (parsed again from the archived original, as
before migration 0010): counts, not times, so the figures hold on a busy machine::

    PYTHONPATH=<checkout> .venv/bin/python benchmarks/one_parse.py [--callgrind]

It runs on a checkout from before the snapshot too, where every load parses the original.

A temporary SQLite home receives three generated invoices the way the receipt robot does
(``robot_api.register_invoice`` with the archived attachments): small (1 line and a CSV
attachment), typical (5 lines) and large (200 lines). Each is registered twice, and one
copy's snapshot is removed: that copy is loaded by the code of before. Per invoice and step
it prints the Python function calls and the XML parses (cProfile), the best of 20 times, and
with ``--callgrind`` the instructions (valgrind's callgrind, one run of each load in a child
process, counted between two calls of ``getpgid`` that mark the load).

- control: ``invoice_source.load`` and ``validate_bytes`` of the original (the keywords
  ``Hent faktura`` and ``Valider EHF``);
- matching: ``invoice_source.load`` (``Hent faktura``).
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update

from orchestrator import robot_api
from orchestrator.config import load_settings
from orchestrator.db import transaction
from orchestrator.models import Invoice
from orchestrator.pipeline import prepare
from orchestrator.samples import invoice
from tasks import invoice_source
from tasks.ehf.model import parse_invoice
from tasks.ehf.samples.generate import generate_invoice
from tasks.ehf.validate import validate_bytes
from tasks.receipt import archive
from tasks.receipt.classify import classify

INVOICES = {
    "small (1 line, attachment)": invoice("B-1"),
    "typical (5 lines)": generate_invoice(5, invoice_id="B-5"),
    "large (200 lines)": generate_invoice(200, invoice_id="B-200"),
}
VARIANTS = ("before: parsed", "after: snapshot")
STEPS = ("control", "matching")
ROUNDS = 20
#: Whether this checkout keeps the snapshot (migration 0010); run on one from before, every
#: load parses, which gives the figures of before from the code of before.
KEPT = "model_snapshot" in Invoice.__table__.c

Load = Callable[[], object]


def _archived(ctx: robot_api.RobotContext, data: bytes, name: str, kind: str) -> str:
    stored = archive.store(ctx.settings.archive, data)
    robot_api.record_stored_file(
        ctx, sha256=stored.sha256, size=stored.size, path=stored.path, name=name, kind=kind
    )
    return stored.sha256


def _receive(ctx: robot_api.RobotContext, name: str, data: bytes, *, keep: bool) -> int:
    """Register ``data`` as the receipt robot does; without its snapshot unless ``keep``."""
    sha256 = _archived(ctx, data, name, "original")
    parsed = parse_invoice(classify(data, name).root)
    attachments = [
        robot_api.AttachmentRecord(
            _archived(ctx, a.content, a.filename or "vedlegg", "attachment"),
            a.id,
            a.filename,
            a.mime_code,
        )
        for a in parsed.attachments
    ]
    invoice_id = robot_api.register_invoice(
        ctx,
        item=robot_api.WorkItemRef(None, {}),
        file_name=name,
        sha256=sha256,
        key_fields=parsed.key_fields(),
        attachments=attachments,
    ).invoice_id
    if not keep and KEPT:
        with transaction(ctx.settings.database_url) as session:
            session.execute(
                update(Invoice).where(Invoice.id == invoice_id).values(model_snapshot=None)
            )
    return invoice_id


def loads(home: Path) -> dict[tuple[str, str, str], Load]:
    """(invoice, step, variant) -> what that step does to load the invoice."""
    settings = load_settings({"KOMMUNERPA_HOME": str(home)})
    prepare(settings)
    ctx = robot_api.RobotContext(settings, "bench", None)
    found: dict[tuple[str, str, str], Load] = {}
    for label, data in INVOICES.items():
        for variant in VARIANTS:
            invoice_id = _receive(ctx, f"{label}.xml", data, keep=variant == VARIANTS[1])

            def control(invoice_id: int = invoice_id) -> object:
                return validate_bytes(invoice_source.load(ctx, invoice_id).original)

            def matching(invoice_id: int = invoice_id) -> object:
                return invoice_source.load(ctx, invoice_id).invoice

            found[label, "control", variant] = control
            found[label, "matching", variant] = matching
    for load in found.values():
        load()  # warm: the schema compiled, the rules and queries prepared
    return found


def profile(load: Load) -> tuple[int, int]:
    """Python function calls of one ``load`` and how many XML documents it parsed."""
    profiler = cProfile.Profile()
    profiler.enable()
    load()
    profiler.disable()
    stats = pstats.Stats(profiler)
    parses = sum(
        counts[1]
        for (_, _, name), counts in stats.stats.items()
        if name == "parse_bytes"  # type: ignore[attr-defined]
    )
    return stats.total_calls, parses  # type: ignore[attr-defined]


def best_ms(load: Load) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        load()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def marked(home: Path) -> None:
    """The child under callgrind: each load once between two marks; prints their order."""
    found = loads(home)
    gc.collect()
    os.getpgid(0)  # the mark: callgrind dumps what was counted since the last one
    for load in found.values():
        load()
        os.getpgid(0)
    print(json.dumps(["|".join(key) for key in found]))


def instructions(home: Path) -> dict[tuple[str, ...], int]:
    """Instructions of each load, counted by callgrind in a child process."""
    out = home / "callgrind.out"
    child = subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--dump-before=getpgid", f"--callgrind-out-file={out}",
            sys.executable, __file__, "--marked", str(home / "child"),
        ],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    keys = [tuple(key.split("|")) for key in json.loads(child.stdout.splitlines()[-1])]
    # Dump 1 is the start-up before the first mark; dump n + 1 is the n-th load.
    counted = {}
    for n, key in enumerate(keys, start=2):
        lines = Path(f"{out}.{n}").read_text().splitlines()
        counted[key] = int(next(x for x in lines if x.startswith("summary:")).split()[1])
    return counted


def main(argv: list[str]) -> None:
    if argv[:1] == ["--marked"]:
        marked(Path(argv[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        found = loads(home / "home")
        counted = instructions(home) if "--callgrind" in argv else {}
        if not KEPT:
            print("this checkout keeps no snapshot (before migration 0010): every load parses")
        print(f"{'invoice':<28}{'step':<10}{'variant':<17}{'calls':>9}{'parses':>8}"
              f"{'best ms':>9}{'instructions':>15}")  # fmt: skip
        for key, load in found.items():
            calls, parses = profile(load)
            figure = f"{counted[key]:>15,}" if key in counted else ""
            print(f"{key[0]:<28}{key[1]:<10}{key[2]:<17}{calls:>9,}{parses:>8}"
                  f"{best_ms(load):>9.2f}{figure}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
