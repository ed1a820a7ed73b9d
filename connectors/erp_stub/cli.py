"""``kommunerpa erp-stub``: serve the ERP stub, load seed files into a running one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import httpx

from connectors.erp.rest import DEFAULT_URL, URL_ENV
from connectors.erp_stub.app import DB_ENV, DEFAULT_DB


@click.group("erp-stub")
def erp_stub() -> None:
    """The ERP stub: a stand-in ERP over HTTP, with master data and faults on demand."""


@erp_stub.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8700, show_default=True, type=int)
@click.option(
    "--db",
    envvar=DB_ENV,
    default=DEFAULT_DB,
    show_default=True,
    help=f"SQLAlchemy database URL (env {DB_ENV}).",
)
@click.option("--latency", "latency_ms", default=0, type=int, help="Delay every answer (ms).")
@click.option(
    "--error-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Share of requests answered 500/503.",
)
@click.option(
    "--timeout",
    "timeout_s",
    default=0.0,
    type=float,
    help="Hang every request this long (s), then answer 504.",
)
@click.option("--outage", is_flag=True, help="Answer 503 to everything but /admin/.")
@click.option("--fault-seed", type=int, help="Seed of the random errors (repeatable runs).")
def serve(
    host: str,
    port: int,
    db: str,
    latency_ms: int,
    error_rate: float,
    timeout_s: float,
    outage: bool,
    fault_seed: int | None,
) -> None:
    """Serve the ERP stub (OpenAPI at /openapi.json) until interrupted."""
    import uvicorn  # only the server needs it

    from connectors.erp_stub.app import create_app
    from connectors.erp_stub.schemas import FaultSettings

    faults = FaultSettings(
        latency_ms=latency_ms,
        error_rate=error_rate,
        timeout_s=timeout_s,
        outage=outage,
        seed=fault_seed,
    )
    app = create_app(db, faults)
    # A short graceful shutdown: requests hanging on an injected timeout must not keep a
    # terminated stub alive.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)


@erp_stub.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--url",
    envvar=URL_ENV,
    default=DEFAULT_URL,
    show_default=True,
    help=f"The running stub (env {URL_ENV}).",
)
@click.option("--reset", is_flag=True, help="Empty the stub first (in the same transaction).")
def load(file: Path, url: str, reset: bool) -> None:
    """Load a seed FILE (JSON) into a running stub: all of it, or on any problem nothing."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file}: not JSON: {exc}") from None
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/admin/seed", params={"reset": reset}, json=data, timeout=60
        )
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach the ERP stub at {url}: {exc}") from None
    if response.status_code == 422:
        click.echo(f"{file}: {response.json()['detail']['message']}", err=True)
        sys.exit(1)
    if response.status_code != 200:
        raise click.ClickException(f"{url} answered {response.status_code}: {response.text}")
    loaded = response.json()["loaded"]
    summary = ", ".join(f"{n} {name}" for name, n in loaded.items() if n)
    click.echo(f"{file}: loaded {summary or 'nothing'}{' (after reset)' if reset else ''}")
