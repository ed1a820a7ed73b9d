"""The answer table: the built-in rows are valid, and a wrong responses.toml is refused up
front, naming the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.invoice_response.mapping import EVENTS, MappingError, load_policies


def test_the_built_in_table_answers_every_event_and_keeps_ab_off() -> None:
    policy = load_policies().default
    assert set(policy.events) == set(EVENTS)
    assert "AB" not in policy.send
    assert policy.events["received"].status == "AB"


def test_a_tenant_overrides_rows_and_statuses(tmp_path: Path) -> None:
    home_file = tmp_path / "responses.toml"
    home_file.write_text(
        '[default]\nmax_age_days = 10\n[default.exceptions.KID-INVALID]\nstatus = "none"\n'
        '[tenant."964338531"]\nsend = ["AB", "RE"]\nmax_age_days = 90\n',
        encoding="utf-8",
    )
    book = load_policies(home_file)
    assert not book.for_tenant("123").for_exception("KID-INVALID").sends
    assert book.for_tenant("123").max_age_days == 10
    assert book.for_tenant("964338531").send == frozenset({"AB", "RE"})
    assert book.longest_max_age_days == 90


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[default]\nsend = ['XX']\n", "default.send"),
        ("[default]\ncolour = 1\n", "unknown key"),
        ("[other]\n", "unknown table"),
        ("[default.events.paid_twice]\nstatus = 'PD'\n", "unknown event"),
        ("[default.exceptions.X]\nstatus = 'UQ'\n", "default.exceptions.X: status UQ needs"),
        ("[default.exceptions.X]\nstatus = 'RE'\nreason = 'OTH'\n", "needs its text"),
        ("[default.exceptions.X]\nstatus = 'none'\nreason = 'REF'\n", 'status = "none"'),
        ('[tenant."1"]\nmax_age_days = 0\n', 'tenant."1".max_age_days'),
        ("[default\n", "not valid TOML"),
    ],
)
def test_mistakes_are_refused_naming_the_place(tmp_path: Path, text: str, where: str) -> None:
    home_file = tmp_path / "responses.toml"
    home_file.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=where.replace(".", r"\.").replace("[", r"\[")):
        load_policies(home_file)
