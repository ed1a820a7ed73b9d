"""``kommunerpa users add|list|grant|bootstrap|demo``: the people who use the control room."""

from __future__ import annotations

import sys

import click

from orchestrator import users as user_store
from orchestrator.commands import ready_settings


@click.group()
def users() -> None:
    """Local users: operators, auditors and admins."""


@users.command()
@click.argument("name")
@click.option("--role", type=click.Choice(user_store.ROLES), required=True)
@click.option("--full-name", default="", help="As the ERP names approvers (Kari Nordmann).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def add(name: str, role: str, full_name: str, password_stdin: bool) -> None:
    """Register a user (without --password-stdin: asks twice at the terminal)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        person = user_store.add_user(
            ready_settings(), name, role=role, password=password, full_name=full_name
        )
    except user_store.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {person.name} added ({person.role})")


@users.command("list")
def list_() -> None:
    """Every user with role and approval authority."""
    for row in user_store.list_users(ready_settings()):
        grants = ", ".join(row["grants"]) or "-"
        state = "" if row["active"] else "  (inactive)"
        click.echo(
            f"{row['name']:<20} {row['role']:<9} {row['full_name'] or '-':<30} "
            f"authority: {grants}{state}"
        )


@users.command()
@click.argument("name")
@click.option("--tenant", required=True, help="The buyer's organisation number.")
@click.option("--reference", default="", help="One buyer reference (default: all of them).")
@click.option("--by", "actor", required=True, help="The admin giving the authority.")
def grant(name: str, tenant: str, reference: str, actor: str) -> None:
    """Give NAME approval authority for a tenant's invoices without an order."""
    settings = ready_settings()
    try:
        admin = user_store.require_user(settings, actor, "admin")
        user_store.grant_authority(
            settings,
            name,
            tenant=tenant,
            reference=reference,
            actor=f"user:{admin.name if admin else actor}",
        )
    except user_store.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{name} may approve invoices of {tenant}/{reference or '*'}")


@users.command()
def bootstrap() -> None:
    """Create the first admin and print its password once (nothing when users exist)."""
    password = user_store.bootstrap_admin(ready_settings())
    if password is None:
        click.echo("users exist already; nothing done")
        return
    click.echo(first_admin_text(password))


@users.command()
def demo() -> None:
    """Create the demo's users and print their logins once (nothing when users exist)."""
    click.echo(demo_logins_text(user_store.demo_logins(ready_settings())))


def first_admin_text(password: str) -> str:
    """The first admin's login (shown once, at creation)."""
    return f"first admin created: admin / {password}  (shown once; keep it safe)"


def demo_logins_text(logins: list[tuple[str, str, str]]) -> str:
    """The demo logins as a small table (shown once, at creation)."""
    if not logins:
        return "users exist already; their passwords were shown when they were created"
    rows = [f"  {name:<10} {role:<9} {password}" for name, role, password in logins]
    return "\n".join(["Control-room logins (shown once):", *rows])
