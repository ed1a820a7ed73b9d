"""``kommunerpa serve``: the control room (web app) for staff and auditors."""

from __future__ import annotations

import click

from orchestrator.commands import ready_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Serve the control room; the first start creates an admin and prints its password."""
    import uvicorn  # the web stack loads only for this command

    from orchestrator import users
    from orchestrator.commands.users import first_admin_text
    from orchestrator.web.app import create_app

    settings = ready_settings()
    password = users.bootstrap_admin(settings)
    if password is not None:
        click.echo(first_admin_text(password))
    click.echo(f"Control room: http://{host}:{port}/login  (Ctrl-C stops)")
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="warning", server_header=False
    )
