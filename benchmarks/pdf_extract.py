"""How long reading one one-page invoice PDF takes: ``python -m benchmarks.pdf_extract``.

Generates the readable sample corpus (``tasks/pdf/samples.py``, five layouts), reads each
once to warm up (imports, code lists), then extracts them in turn for ``--seconds`` and
prints the median, p95 and maximum per invoice, overall and per layout, and the share spent
in pdfplumber (reading the page) versus in finding the fields. Not a test: speed targets
live here (issue 14: "well under a second").
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from tasks.pdf.extract import extract_pdf, fields_of
from tasks.pdf.layout import read_layout
from tasks.pdf.samples import READABLE


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the timed loop")
    args = parser.parse_args(argv)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} CPUs (figures mean little on a busy machine)")
    documents = {name: layout(invoice) for name, (invoice, layout) in READABLE.items()}
    for name, data in documents.items():
        result = extract_pdf(data, name)  # warm-up: imports, code lists, regex caches
        assert result.problem is None and result.pages == 1, name

    times: dict[str, list[float]] = {name: [] for name in documents}
    reading = total = 0.0
    deadline = time.perf_counter() + args.seconds
    rounds = 0
    while time.perf_counter() < deadline and rounds < 100_000:
        rounds += 1
        for name, data in documents.items():
            # extract_pdf in its two halves, to show where the time goes.
            start = time.perf_counter()
            layout = read_layout(data)
            middle = time.perf_counter()
            fields_of(layout, name)
            end = time.perf_counter()
            times[name].append(end - start)
            reading += middle - start
            total += end - start

    every = [t for ts in times.values() for t in ts]
    print(f"{len(every)} extractions of one-page invoices in {args.seconds:.0f} s")
    print(
        f"per invoice: median {_ms(statistics.median(every))}   p95 {_ms(_percentile(every, 0.95))}"
        f"   max {_ms(max(every))}"
    )
    for name, ts in times.items():
        median, p95 = statistics.median(ts), _percentile(ts, 0.95)
        print(f"  {name:<18} median {_ms(median)}   p95 {_ms(p95)}")
    share = reading / total
    print(f"pdfplumber reading the page: {share:.0%} of the time; finding the fields: the rest")


if __name__ == "__main__":
    main()
