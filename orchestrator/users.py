"""Local users of the control room and the CLI: roles, argon2 password hashes, logins.

Roles: an ``operator`` runs robots, resolves exceptions and approves what the ERP lets them;
an ``auditor`` reads and exports everything and changes nothing; an ``admin`` manages users
and settings and may do what an operator does. Until the first user exists, the CLI's
``--user`` stays free text (a fresh install works as before); from then on every person the
CLI names must be a registered user with the right role (``require_user``).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from orchestrator import audit
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import ApprovalGrant, LoginFailure, User, utcnow
from orchestrator.services import ResolveError

log = logging.getLogger(__name__)

ROLES = ("operator", "auditor", "admin")
#: Which roles may do what a role is needed for: an admin may act as an operator too.
SATISFIES = {"operator": {"operator", "admin"}, "auditor": {"auditor", "admin"}, "admin": {"admin"}}
#: Failed logins allowed per user name, and per client address, within the window.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=5)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verifying against this when the user does not exist takes as long as a real check, so the
# answer time does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class UserError(ResolveError):
    """The user cannot be created or used as asked (unknown, wrong role, bad password …);
    a ``ResolveError``, so a command that names a person reports it like any refusal."""


class TooManyAttempts(UserError):
    """Too many failed logins for this name or from this address: wait and try again."""


@dataclass(frozen=True)
class Person:
    """A registered user as the rest of the system sees it (never the password hash)."""

    id: int
    name: str
    full_name: str | None
    role: str
    active: bool

    def may(self, role: str) -> bool:
        """Whether this person's role covers what ``role`` is needed for."""
        return self.active and self.role in SATISFIES[role]


def _person(row: User) -> Person:
    return Person(row.id, row.name, row.full_name, row.role, row.active)


def any_users(session: Session) -> bool:
    """Whether at least one user is registered (from then on, names must be registered)."""
    return session.scalar(select(func.count()).select_from(User)) > 0


def find(session: Session, name: str) -> User | None:
    """The user with this login name (exact, as registered)."""
    return session.scalars(select(User).where(User.name == name.strip())).first()


def person(settings: Settings, name: str) -> Person | None:
    """The registered user ``name``, or ``None``."""
    with transaction(settings.database_url) as session:
        row = find(session, name)
        return _person(row) if row is not None else None


def add_user(
    settings: Settings,
    name: str,
    *,
    role: str,
    password: str,
    full_name: str | None = None,
    actor: str = "cli",
) -> Person:
    """Register a user with an argon2 hash of ``password`` (audited, without the password)."""
    name = name.strip()
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if not name or len(name) > 100 or any(c.isspace() or c == ":" for c in name):
        raise UserError("a user name is 1-100 characters without spaces or ':'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    password_hash = _hasher.hash(password)  # slow by design: before the transaction
    with transaction(settings.database_url) as session:
        if find(session, name) is not None:
            raise UserError(f"user {name} already exists")
        row = User(
            name=name,
            full_name=(full_name or "").strip() or None,
            role=role,
            password_hash=password_hash,
            active=True,
        )
        session.add(row)
        session.flush()
        audit.append(
            session,
            actor=actor,
            action="user.added",
            object_type="user",
            object_id=name,
            details={"role": role, "full_name": row.full_name},
        )
        return _person(row)


def list_users(settings: Settings) -> list[dict[str, Any]]:
    """Every user with role and approval grants, by name."""
    with transaction(settings.database_url) as session:
        grants: dict[int, list[str]] = {}
        for grant in session.scalars(select(ApprovalGrant).order_by(ApprovalGrant.id)):
            grants.setdefault(grant.user_id, []).append(
                f"{grant.tenant}/{grant.reference}" if grant.reference else f"{grant.tenant}/*"
            )
        return [
            {
                "name": row.name,
                "full_name": row.full_name,
                "role": row.role,
                "active": row.active,
                "created_at": row.created_at.isoformat(),
                "grants": grants.get(row.id, []),
            }
            for row in session.scalars(select(User).order_by(User.name))
        ]


def grant_authority(
    settings: Settings, name: str, *, tenant: str, reference: str | None, actor: str
) -> None:
    """Give ``name`` approval authority for a tenant's invoices (one buyer reference, or all
    when ``reference`` is empty), as the ERP's named approver would have."""
    if not tenant.strip():
        raise UserError("name the tenant (the buyer's organisation number)")
    with transaction(settings.database_url) as session:
        row = find(session, name)
        if row is None or row.role not in SATISFIES["operator"]:
            raise UserError(f"{name} is not a registered operator or admin")
        session.add(
            ApprovalGrant(
                user_id=row.id,
                tenant=tenant.strip(),
                reference=(reference or "").strip() or None,
                granted_by=actor,
            )
        )
        audit.append(
            session,
            actor=actor,
            action="user.authority_granted",
            object_type="user",
            object_id=row.name,
            details={"tenant": tenant.strip(), "reference": (reference or "").strip() or None},
        )


def has_grant(session: Session, user: Person, tenant: str | None, reference: str | None) -> bool:
    """Whether ``user`` was given approval authority for this tenant and buyer reference."""
    if not tenant:
        return False
    query = select(ApprovalGrant.id).where(
        ApprovalGrant.user_id == user.id,
        ApprovalGrant.tenant == tenant,
        or_(ApprovalGrant.reference.is_(None), ApprovalGrant.reference == (reference or "")),
    )
    return session.scalars(query).first() is not None


def require_user_in(session: Session, name: str, role: str) -> Person | None:
    """``require_user`` inside the caller's transaction."""
    if not name.strip():
        raise UserError("the person must be named (--user)")
    if not any_users(session):
        return None
    row = find(session, name)
    if row is None:
        raise UserError(f"{name.strip()} is not a registered user (kommunerpa users list)")
    person = _person(row)
    if not person.may(role):
        raise UserError(f"{person.name} ({person.role}) may not do what needs an {role}")
    return person


def require_user(settings: Settings, name: str, role: str) -> Person | None:
    """The registered user ``name`` if their role covers ``role``; ``None`` while no user is
    registered at all (``name`` is then free text, as before the control room existed).
    Raises ``UserError`` for an unknown user or a role that does not cover ``role``."""
    with transaction(settings.database_url) as session:
        return require_user_in(session, name, role)


def authenticate(settings: Settings, name: str, password: str, *, client: str) -> Person:
    """Check a login. Raises ``TooManyAttempts`` after ``MAX_FAILURES`` failures within
    ``FAILURE_WINDOW`` for this name or this client address, ``UserError`` for a wrong name
    or password; every failure is recorded and audited (``user.login_failed``)."""
    name = name.strip()[:100]
    client = client[:100]
    with transaction(settings.database_url) as session:
        since = utcnow() - FAILURE_WINDOW
        session.execute(delete(LoginFailure).where(LoginFailure.at < since))
        failures = session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(or_(LoginFailure.user_name == name, LoginFailure.client == client))
            .where(LoginFailure.at >= since)
        )
        row = find(session, name) if name else None
        person, password_hash = (_person(row), row.password_hash) if row else (None, _DUMMY_HASH)
    blocked = failures >= MAX_FAILURES
    # The slow hash check runs outside the transaction: no write lock is held meanwhile.
    valid = not blocked and _verify(password_hash, password)
    with transaction(settings.database_url) as session:
        if person is not None and valid and person.active:
            audit.append(
                session,
                actor=f"user:{person.name}",
                action="user.login",
                object_type="user",
                object_id=person.name,
                details={"client": client},
            )
            return person
        session.add(LoginFailure(user_name=name, client=client))
        audit.append(
            session,
            actor=f"client:{client}",
            action="user.login_failed",
            object_type="user",
            object_id=name,
            details={"client": client, "rate_limited": blocked},
        )
    if blocked:
        # For the operators watching the server's log (an attack in progress), besides the
        # audit entry; never the password, and the name as a quoted repr (no forged lines).
        log.warning("login refused: too many failed logins for %r or from %s", name, client)
        raise TooManyAttempts("too many failed logins; wait a few minutes")
    raise UserError("wrong user name or password")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A random password to print once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def bootstrap_admin(settings: Settings, name: str = "admin") -> str | None:
    """Create the first admin with a random password and return the password (to print once);
    ``None`` when users exist already."""
    with transaction(settings.database_url) as session:
        if any_users(session):
            return None
    password = new_password()
    add_user(settings, name, role="admin", password=password, actor="setup")
    return password


#: The demo's people: login, role, full name (Kari Nordmann is the ERP demo data's approver
#: for Fjordvik kommune's reference 4100oppv).
DEMO_USERS = (
    ("admin", "admin", "Systemansvarlig"),
    ("ola", "operator", "Ola Operatør"),
    ("kari", "operator", "Kari Nordmann"),
    ("per", "operator", "Per Økonomisjef"),
    ("revisor", "auditor", "Randi Revisor"),
)
#: Per Økonomisjef authorises (anvisning) Fjordvik kommune's invoices in the demo.
DEMO_GRANT = ("per", "940123453")


def demo_logins(settings: Settings) -> list[tuple[str, str, str]]:
    """Create the demo users when no user exists yet and return ``(name, role, password)``
    for each, to print once (``make run``); an empty list when users exist already."""
    with transaction(settings.database_url) as session:
        if any_users(session):
            return []
    logins = []
    for name, role, full_name in DEMO_USERS:
        password = new_password()
        add_user(settings, name, role=role, password=password, full_name=full_name, actor="setup")
        logins.append((name, role, password))
    grantee, tenant = DEMO_GRANT
    grant_authority(settings, grantee, tenant=tenant, reference=None, actor="setup")
    return logins
