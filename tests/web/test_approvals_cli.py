"""The approval rules (orchestrator.approvals) on SQLite and PostgreSQL, and the CLI that
follows them with registered users: ``invoices approve``, ``exceptions resolve``, ``users``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from orchestrator import approvals, users
from orchestrator.commands.exceptions import exceptions as exceptions_cli
from orchestrator.commands.invoices import invoices as invoices_cli
from orchestrator.commands.users import users as users_cli
from orchestrator.config import Settings
from tests.web.seed import PASSWORD, Seeded, seed


@pytest.fixture
def seeded_db(settings: Settings) -> Seeded:  # the backend-parametrised `settings`
    return seed(settings)


def test_only_the_named_approver_or_a_granted_user_approves(
    settings: Settings, seeded_db: Seeded
) -> None:
    for name, reason in (("uten", "authority"), ("revisor", "user"), ("nobody", "user")):
        with pytest.raises(approvals.NotAllowed) as refused:
            approvals.approve_invoice(settings, seeded_db.awaiting, user=name)
        assert refused.value.reason == reason, name
    done = approvals.approve_invoice(settings, seeded_db.awaiting, user="per", comment="ok")
    assert done["complete"] and done["step"] == "approval" and done["work_item_id"]
    with pytest.raises(approvals.ApprovalError, match="not awaiting approval"):
        approvals.approve_invoice(settings, seeded_db.awaiting, user="kari")


def test_two_steps_never_by_the_same_person(settings: Settings, seeded_db: Seeded) -> None:
    (settings.home / "controls.toml").write_text(
        "[default]\ntwo_step_approval = true\n", encoding="utf-8"
    )
    first = approvals.approve_invoice(settings, seeded_db.awaiting, user="kari")
    assert first == {"step": "attestation", "complete": False, "work_item_id": None}
    with pytest.raises(approvals.NotAllowed) as same:
        approvals.approve_invoice(settings, seeded_db.awaiting, user="kari")
    assert same.value.reason == "same_person"
    [waiting] = approvals.pending(settings, users.person(settings, "per"))
    assert waiting.step == "authorisation" and waiting.done == {"attestation": "kari"}
    assert approvals.pending(settings, users.person(settings, "kari")) == []
    second = approvals.approve_invoice(settings, seeded_db.awaiting, user="per")
    assert second["step"] == "authorisation" and second["complete"]


def test_without_registered_users_the_name_must_be_the_approver(settings: Settings) -> None:
    # A fresh install (no users yet) keeps free-text names, but only the ERP's approver may
    # approve: "anyone approves anything" is gone.
    from tests.web import seed as seed_module

    ids = seed_module.seed(settings)
    with users_removed(settings):
        with pytest.raises(approvals.NotAllowed):
            approvals.approve_invoice(settings, ids.awaiting, user="Ola Hvemsomhelst")
        assert approvals.approve_invoice(settings, ids.awaiting, user="kari  NORDMANN")["complete"]


class users_removed:  # noqa: N801  (reads as a with-statement)
    """Delete the seeded users for a block (the state before anyone registered)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __enter__(self) -> None:
        from sqlalchemy import delete

        from orchestrator.db import transaction
        from orchestrator.models import ApprovalGrant, User

        with transaction(self.settings.database_url) as session:
            session.execute(delete(ApprovalGrant))
            session.execute(delete(User))

    def __exit__(self, *_exc: object) -> None:
        return None


def test_cli_approve_follows_the_rules(cli_env: Settings) -> None:
    ids = seed(cli_env)
    (cli_env.home / "controls.toml").write_text(
        '[tenant."940123453"]\ntwo_step_approval = true\n', encoding="utf-8"
    )
    runner = CliRunner()
    refused = runner.invoke(invoices_cli, ["approve", str(ids.awaiting), "--user", "uten"])
    assert refused.exit_code == 1 and "no approval authority" in refused.output
    unknown = runner.invoke(invoices_cli, ["approve", str(ids.awaiting), "--user", "Kari N"])
    assert unknown.exit_code == 1 and "not a registered user" in unknown.output
    first = runner.invoke(invoices_cli, ["approve", str(ids.awaiting), "--user", "kari"])
    assert first.exit_code == 0 and "waiting for authorisation" in first.output
    same = runner.invoke(invoices_cli, ["approve", str(ids.awaiting), "--user", "kari"])
    assert same.exit_code == 1 and "two different persons" in same.output
    done = runner.invoke(invoices_cli, ["approve", str(ids.awaiting), "--user", "per"])
    assert done.exit_code == 0 and "posting work item" in done.output


def test_cli_resolve_names_a_registered_operator(cli_env: Settings) -> None:
    ids = seed(cli_env)
    runner = CliRunner()
    args = ["resolve", str(ids.exception_id), "--action", "reject", "--user"]
    auditor = runner.invoke(exceptions_cli, [*args, "revisor"])
    assert auditor.exit_code == 1 and "may not do what needs an operator" in auditor.output
    stranger = runner.invoke(exceptions_cli, [*args, "fremmed"])
    assert stranger.exit_code == 1 and "not a registered user" in stranger.output
    assert runner.invoke(exceptions_cli, [*args, "ola"]).exit_code == 0


def test_users_add_list_bootstrap(cli_env: Settings) -> None:
    runner = CliRunner()
    first = runner.invoke(users_cli, ["bootstrap"])
    assert first.exit_code == 0 and "first admin created: admin / " in first.output
    password = first.output.split("admin / ")[1].split()[0]
    assert users.authenticate(cli_env, "admin", password, client="cli").role == "admin"
    assert "nothing done" in runner.invoke(users_cli, ["bootstrap"]).output
    added = runner.invoke(
        users_cli, ["add", "lise", "--role", "auditor", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    prompted = runner.invoke(
        users_cli, ["add", "tor", "--role", "operator"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.exit_code == 0, prompted.output
    short = runner.invoke(users_cli, ["add", "kort", "--role", "operator", "--password-stdin"],
                          input="kort\n")  # fmt: skip
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    granted = runner.invoke(users_cli, ["grant", "tor", "--tenant", "940123453", "--by", "admin"])
    assert granted.exit_code == 0, granted.output
    listing = runner.invoke(users_cli, ["list"]).output
    assert "lise" in listing and "auditor" in listing and "940123453/*" in listing


def test_demo_logins_are_created_once(settings: Settings) -> None:
    logins = users.demo_logins(settings)
    assert {(name, role) for name, role, _ in logins} >= {
        ("kari", "operator"),
        ("revisor", "auditor"),
    }
    name, _, password = logins[0]
    assert users.authenticate(settings, name, password, client="t").name == name
    assert users.demo_logins(settings) == []
