"""``kommunerpa bench validate``: how fast the EHF validator is, on one core, in one process.

Full validation (safe parse, UBL 2.1 XSD, every business rule) of the official examples in a
loop, then one large generated invoice. Prints documents per second, latency percentiles,
what each stage costs, and the memory a document needs.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import click

from benchmarks.measure import max_rss_kib, percentile, pin_one_core
from tasks.ehf.document import Document
from tasks.ehf.engine import evaluate_rules
from tasks.ehf.registry import Collector, catalogue, checks
from tasks.ehf.safexml import parse_bytes
from tasks.ehf.samples.generate import generate_invoice
from tasks.ehf.schema import schemas, validate_schema
from tasks.ehf.validate import validate_bytes

#: The official examples, when the conformance material sits beside the repository.
EXAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "ehf-conformance" / "examples"


def _corpus(folder: Path) -> tuple[str, list[tuple[str, bytes]]]:
    if folder.is_dir():
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xml")
        return f"{len(files)} official examples ({folder})", [
            (p.name, p.read_bytes()) for p in files
        ]
    docs = [(f"generated-{n}.xml", generate_invoice(n, invoice_id=f"G{n}")) for n in range(1, 31)]
    return "30 generated invoices (1-30 lines; official examples not found)", docs


def _stage_costs(docs: list[tuple[str, bytes]], rounds: int) -> dict[str, float]:
    """Microseconds per document of each stage, measured apart (best round of ``rounds``:
    the least disturbed by other work on the machine)."""
    roots = [parse_bytes(data) for _, data in docs]
    indexed = [Document(root) for root in roots]

    def per_doc(fn: Callable[[], object]) -> float:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        return best / len(docs) * 1e6

    return {
        "parse": per_doc(lambda: [parse_bytes(data) for _, data in docs]),
        "xsd": per_doc(lambda: [validate_schema(doc) for doc in indexed]),
        "index": per_doc(lambda: [Document(root) for root in roots]),
        "rules (incl. index)": per_doc(lambda: [evaluate_rules(root) for root in roots]),
        "full": per_doc(lambda: [validate_bytes(data) for _, data in docs]),
    }


def _check_costs(docs: list[tuple[str, bytes]], rounds: int) -> list[tuple[float, str]]:
    """Mean microseconds per document of the tag index and of each check, slowest first
    (best round of ``rounds``).

    Each round indexes every document afresh and runs all checks in the engine's order, so
    work a check memoises in ``Document.memo`` (e.g. the tree scan) is charged to the first
    check that triggers it, as in a real validation, and not left out by a warm document."""
    roots = [parse_bytes(data) for _, data in docs]
    registered = checks()
    best = [float("inf")] * len(registered)
    best_index = float("inf")
    clock = time.perf_counter
    for _ in range(rounds):
        spent = [0.0] * len(registered)
        index = 0.0
        for root in roots:
            start = clock()
            doc = Document(root)
            index += clock() - start
            for i, chk in enumerate(registered):
                collector = Collector()
                start = clock()
                chk.fn(doc, collector)
                spent[i] += clock() - start
        best = [min(b, s) for b, s in zip(best, spent, strict=True)]
        best_index = min(best_index, index)
    costs = [(best_index / len(docs) * 1e6, "(the tag index: Document)")]
    costs.extend(
        (elapsed / len(docs) * 1e6, f"{chk.fn.__module__}.{chk.fn.__name__}")
        for elapsed, chk in zip(best, registered, strict=True)
    )
    return sorted(costs, reverse=True)


def _peak_python_memory(data: bytes) -> int:
    tracemalloc.start()
    try:
        validate_bytes(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@click.command("validate")
@click.option("--seconds", default=5.0, show_default=True, help="How long to loop the examples.")
@click.option("--lines", default=4000, show_default=True, help="Lines of the large invoice.")
@click.option(
    "--examples",
    type=click.Path(path_type=Path, file_okay=False),
    default=EXAMPLES,
    show_default=True,
    help="Folder of example documents (generated invoices when it does not exist).",
)
@click.option("--checks", "top_checks", default=0, help="Also list the N most costly checks.")
def validate_bench(seconds: float, lines: int, examples: Path, top_checks: int) -> None:
    """Documents per second and latency of full validation (parse + XSD + rules)."""
    note = pin_one_core()
    label, docs = _corpus(examples)
    start = time.perf_counter()
    schemas()
    compile_s = time.perf_counter() - start
    families = sorted({c.fn.__module__.split(".")[3] for c in checks()})
    click.echo(f"EHF validator benchmark, {note}, one process")
    click.echo(f"rules present: {len(checks())} checks, {len(catalogue())} catalogue ids")
    click.echo(f"  families: {', '.join(families) or 'none'}")
    click.echo(f"schema: verified and compiled in {compile_s * 1000:.0f} ms (once per process)")
    click.echo(f"corpus: {label}")
    for _, data in docs:  # warm-up
        validate_bytes(data)

    latencies: list[float] = []
    per_file: dict[str, list[float]] = {name: [] for name, _ in docs}
    windows: list[float] = []  # documents/s of each whole round-robin second
    deadline = time.perf_counter() + seconds
    loop_start = window_start = time.perf_counter()
    window_docs = 0
    while time.perf_counter() < deadline:
        for name, data in docs:
            t0 = time.perf_counter()
            validate_bytes(data)
            elapsed = time.perf_counter() - t0
            latencies.append(elapsed)
            per_file[name].append(elapsed)
        window_docs += len(docs)
        if (now := time.perf_counter()) - window_start >= 1.0:
            windows.append(window_docs / (now - window_start))
            window_start, window_docs = now, 0
    total = time.perf_counter() - loop_start
    latencies.sort()
    rounds = len(latencies) // len(docs)
    click.echo(
        f"\nexamples: {len(latencies)} validations ({rounds} rounds) in {total:.2f} s "
        f"= {len(latencies) / total:,.0f} documents/s"
    )
    if len(windows) > 1:  # shows how much the machine's speed moved during the loop
        click.echo(
            f"  per second: min {min(windows):,.0f}, median {statistics.median(windows):,.0f}, "
            f"max {max(windows):,.0f} documents/s"
        )
    click.echo(
        "latency per document: "
        + ", ".join(f"p{q} {percentile(latencies, q) * 1000:.3f} ms" for q in (50, 95, 99))
        + f", max {latencies[-1] * 1000:.3f} ms"
    )
    slowest = sorted(per_file, key=lambda n: -statistics.median(per_file[n]))[:3]
    for name in slowest:
        click.echo(f"  slowest: {name}: median {statistics.median(per_file[name]) * 1000:.3f} ms")
    costs = _stage_costs(docs, max(1, min(rounds, 20)))
    click.echo(
        "stage cost per document (best round): "
        + ", ".join(f"{stage} {us:,.0f} us" for stage, us in costs.items())
    )

    if top_checks:
        click.echo(
            f"most costly checks (mean per document over the {len(docs)} documents, "
            "fresh document per round, memoised work charged to its first user):"
        )
        for us, name in _check_costs(docs, max(1, min(rounds, 20)))[:top_checks]:
            click.echo(f"  {us:8.1f} us  {name}")

    big = generate_invoice(lines, invoice_id=f"BENCH-{lines}")
    rss_before = max_rss_kib()
    times = []
    result = None
    for _ in range(3):
        t0 = time.perf_counter()
        result = validate_bytes(big)
        times.append(time.perf_counter() - t0)
    assert result is not None
    fatal = sorted({f.rule for f in result.fatal})
    click.echo(
        f"\n{lines}-line invoice ({len(big) / 1e6:.1f} MB): best {min(times):.3f} s, "
        f"median {statistics.median(times):.3f} s; schema_valid={result.schema_valid}, "
        f"fatal={fatal or 'none'}, warnings={len(result.warnings)}"
    )
    costs = _stage_costs([("big", big)], 3)
    click.echo(
        "  stages: " + ", ".join(f"{stage} {us / 1000:,.1f} ms" for stage, us in costs.items())
    )
    rss_growth = max(0, max_rss_kib() - rss_before)

    peaks = sorted(_peak_python_memory(data) for _, data in docs)
    median_kib, max_kib = peaks[len(peaks) // 2] / 1024, peaks[-1] / 1024
    click.echo(
        f"\npeak Python memory per document (tracemalloc): median {median_kib:.0f} KiB, "
        f"max {max_kib:.0f} KiB; {lines}-line invoice {_peak_python_memory(big) / 2**20:.1f} MiB"
    )
    click.echo(
        f"process max RSS {max_rss_kib() / 1024:.0f} MiB (grew {rss_growth / 1024:.0f} MiB "
        f"for the {lines}-line invoice; libxml2 trees are outside tracemalloc)"
    )
