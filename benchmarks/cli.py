"""``kommunerpa bench``: the benchmarks, one command each."""

from __future__ import annotations

import click

from benchmarks.erp_calls import erp_calls_bench
from benchmarks.pipeline import pipeline_bench
from benchmarks.validate import validate_bench


@click.group()
def bench() -> None:
    """Benchmarks: print speed and memory figures."""


bench.add_command(validate_bench)
bench.add_command(pipeline_bench)
bench.add_command(erp_calls_bench)
