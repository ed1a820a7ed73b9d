"""Per-tenant control settings from ``$KOMMUNERPA_HOME/controls.toml``.

The file is optional. A ``[default]`` table overrides the built-in defaults and
``[tenant."ORGNR"]`` tables override ``[default]`` for one tenant. Unknown keys and bad values
raise ``SettingsError`` naming the place, so the robot stops before it touches an invoice.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from connectors.erp.base import Tenant
from tasks.errors import BusinessException

_CENT = Decimal("0.01")


class SettingsError(ValueError):
    """controls.toml has an unknown key or a bad value."""


@dataclass(frozen=True)
class ControlSettings:
    """What a tenant requires of its invoices, and the matching tolerances."""

    require_reference: bool = True
    currencies: tuple[str, ...] = ("NOK",)
    min_payment_days: int | None = None
    auto_approval_limit: Decimal | None = None
    require_agreement: bool = False
    price_tolerance_percent: Decimal = Decimal("1.0")
    price_tolerance_amount: Decimal = Decimal("1.00")
    quantity_tolerance: Decimal = Decimal("0")
    # Approval of invoices without an order in two steps by two persons (attestasjon, then
    # anvisning); read by orchestrator.approvals.
    two_step_approval: bool = False

    def price_tolerance(self, reference_price: Decimal) -> Decimal:
        """The allowed price deviation: the larger of the percentage and the amount, in øre."""
        by_percent = abs(reference_price) * self.price_tolerance_percent / Decimal(100)
        return max(by_percent, self.price_tolerance_amount).quantize(_CENT, ROUND_HALF_UP)


def _decimal(where: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SettingsError(f"{where}: expected a decimal number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SettingsError(f"{where}: {value!r} is not a decimal number") from None
    if not number.is_finite() or number < 0:
        raise SettingsError(f"{where}: {value!r} must be a non-negative number")
    return number


def _convert(where: str, key: str, value: Any) -> Any:
    if key in ("require_reference", "require_agreement", "two_step_approval"):
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: expected true or false, got {value!r}")
        return value
    if key == "currencies":
        if not isinstance(value, list) or not all(
            isinstance(c, str) and len(c) == 3 and c.isalpha() and c.isupper() for c in value
        ):
            raise SettingsError(f'{where}: expected a list of ISO 4217 codes such as ["NOK"]')
        return tuple(value)
    if key == "min_payment_days":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SettingsError(f"{where}: expected a whole number of days >= 0, got {value!r}")
        return value
    return _decimal(where, value)


_KEYS = {f.name for f in fields(ControlSettings)}


def _apply(base: ControlSettings, table: dict[str, Any], where: str) -> ControlSettings:
    changes = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise SettingsError(
                f"{where}.{key}: unknown setting (known: {', '.join(sorted(_KEYS))})"
            )
        changes[key] = _convert(f"{where}.{key}", key, value)
    return replace(base, **changes)


@dataclass(frozen=True)
class SettingsBook:
    """The settings of every tenant, in layers: the built-in defaults, then controls.toml's
    ``[default]``, then the tenant's settings from the ERP's master data, then controls.toml's
    ``[tenant."ORGNR"]`` (the local file has the last word)."""

    default: ControlSettings
    tenant_tables: dict[str, dict[str, Any]]
    source: str = "controls.toml"

    def for_tenant(
        self, orgnr: str | None, erp_settings: dict[str, Any] | None = None
    ) -> ControlSettings:
        """The settings that apply to the tenant with this organisation number.

        Raises ``SettingsError`` when the ERP's settings for the tenant are bad."""
        settings = self.default
        if erp_settings:
            settings = _apply(settings, erp_settings, f"ERP: tenant {orgnr} settings")
        table = self.tenant_tables.get(orgnr or "")
        if table:
            settings = _apply(settings, table, f'{self.source}: tenant."{orgnr}"')
        return settings


def parse_settings(text: str, source: str = "controls.toml") -> SettingsBook:
    """Parse the text of a controls.toml file; every table is checked here, up front."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(data) - {"default", "tenant"}
    if unknown:
        raise SettingsError(
            f'{source}: unknown table(s) {sorted(unknown)}; use [default] and [tenant."ORGNR"]'
        )
    default = _apply(ControlSettings(), data.get("default", {}), f"{source}: default")
    tenants = {}
    for orgnr, table in data.get("tenant", {}).items():
        if not isinstance(table, dict):
            raise SettingsError(f"{source}: tenant.{orgnr} must be a table")
        _apply(default, table, f'{source}: tenant."{orgnr}"')
        tenants[orgnr] = table
    return SettingsBook(default, tenants, source)


def tenant_settings(
    book: SettingsBook, orgnr: str | None, tenant: Tenant | None
) -> ControlSettings:
    """The settings for an invoice's buyer; bad settings in the ERP's master data are a
    business exception (SETTINGS-INVALID) for a person to fix, not a crash."""
    try:
        return book.for_tenant(orgnr, tenant.settings if tenant is not None else None)
    except SettingsError as exc:
        evidence = {"tenant": orgnr, "reason": str(exc)}
        raise BusinessException("SETTINGS-INVALID", str(exc), evidence) from exc


def load_settings(path: Path) -> SettingsBook:
    """Read ``path`` if it exists; the documented defaults apply otherwise."""
    if not path.exists():
        return SettingsBook(ControlSettings(), {}, str(path))
    return parse_settings(path.read_text(encoding="utf-8"), str(path))
