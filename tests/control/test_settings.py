"""controls.toml: defaults, per-tenant overrides, and clear errors before any invoice is touched."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tasks.control.payment import kid_is_valid, kid_mod10
from tasks.control.settings import ControlSettings, SettingsError, load_settings, parse_settings


def test_missing_file_gives_documented_defaults(tmp_path: Path) -> None:
    book = load_settings(tmp_path / "controls.toml")
    assert book.for_tenant("987654325") == ControlSettings()
    assert book.default.currencies == ("NOK",) and book.default.require_reference is True


def test_tenant_overrides_default() -> None:
    book = parse_settings(
        """
        [default]
        min_payment_days = 14
        price_tolerance_amount = "2.50"
        [tenant."987654325"]
        currencies = ["NOK", "EUR"]
        auto_approval_limit = "100000"
        """
    )
    tenant = book.for_tenant("987654325")
    assert tenant.currencies == ("NOK", "EUR")
    assert tenant.min_payment_days == 14  # inherited from [default]
    assert tenant.auto_approval_limit == Decimal("100000")
    assert book.for_tenant("111111111").currencies == ("NOK",)
    assert book.default.price_tolerance_amount == Decimal("2.50")


def test_tolerance_is_the_larger_of_percent_and_amount() -> None:
    settings = ControlSettings()  # 1 % or 1.00
    assert settings.price_tolerance(Decimal("50")) == Decimal("1.00")
    assert settings.price_tolerance(Decimal("1000")) == Decimal("10.000")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[default]\nrequire_refrence = true", "default.require_refrence: unknown setting"),
        ('[default]\ncurrencies = "NOK"', "ISO 4217"),
        ('[tenant."1"]\nmin_payment_days = -3', 'tenant."1".min_payment_days'),
        ('[default]\nprice_tolerance_amount = "abc"', "not a decimal"),
        ("[defaults]\n", "unknown table"),
        ("[default\n", "not valid TOML"),
    ],
)
def test_bad_settings_are_rejected_naming_the_place(text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=None) as info:
        parse_settings(text)
    assert message in str(info.value)


def test_kid_mod11_with_dash_check_digit() -> None:
    assert kid_is_valid("100008-")  # weighted sum 23: 11 - 23 % 11 = 10
    assert not kid_is_valid("100009-")
    assert not kid_is_valid("1")  # too short
    assert not kid_is_valid("12345678901234567890123455")  # 26 characters


def test_erp_tenant_settings_sit_between_default_and_local_tenant_table() -> None:
    book = parse_settings(
        """
        [default]
        min_payment_days = 10
        [tenant."940123453"]
        auto_approval_limit = "1000"
        """
    )
    erp = {"min_payment_days": 14, "auto_approval_limit": "500000.00", "currencies": ["NOK", "EUR"]}
    settings = book.for_tenant("940123453", erp)
    assert settings.min_payment_days == 14  # the ERP's over [default]
    assert settings.currencies == ("NOK", "EUR")
    assert settings.auto_approval_limit == Decimal("1000")  # the local tenant table wins
    with pytest.raises(SettingsError, match="ERP: tenant 1 settings.minimum_days: unknown setting"):
        book.for_tenant("1", {"minimum_days": 3})


def test_generated_mod10_kids_are_valid_and_a_changed_digit_is_not() -> None:
    assert kid_mod10("123456789") == "1234567897"
    for body in ("10", "2025030500012", "999999999999999999999999"):
        kid = kid_mod10(body)
        assert kid_is_valid(kid)
        assert not kid_is_valid(kid[:-1] + str((int(kid[-1]) + 1) % 10))
