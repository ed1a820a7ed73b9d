"""``kommunerpa erp-stub``: serve the ERP stub, load seed files into a running one."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
import httpx

from connectors.erp.rest import DEFAULT_URL, URL_ENV
from connectors.erp_stub.app import DB_ENV, DEFAULT_DB
from connectors.erp_stub.auth import bearer
from connectors.secret_files import SecretFileError, read_secret_file, secret_from


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
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Require the bearer token in this file (mode 0600) on every request but /health.",
)
def serve(
    host: str,
    port: int,
    db: str,
    latency_ms: int,
    error_rate: float,
    timeout_s: float,
    outage: bool,
    fault_seed: int | None,
    token_file: Path | None,
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
    try:
        token = read_secret_file(token_file, "--token-file") if token_file else None
    except SecretFileError as error:
        raise click.UsageError(str(error)) from None
    app = create_app(db, faults, token)
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
    """Load a seed FILE (JSON) into a running stub: all of it, or on any problem nothing.
    A stub with a token gets it from ``KOMMUNERPA_ERP_TOKEN`` or ``KOMMUNERPA_ERP_TOKEN_FILE``."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file}: not JSON: {exc}") from None
    try:
        token = secret_from(os.environ, "KOMMUNERPA_ERP_TOKEN", "KOMMUNERPA_ERP_TOKEN_FILE")
    except SecretFileError as error:
        raise click.ClickException(str(error)) from None
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/admin/seed",
            params={"reset": reset},
            json=data,
            headers=bearer(token),
            timeout=60,
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
