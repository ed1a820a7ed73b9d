"""The README's environment-variable table is the one list: every variable the settings
(``orchestrator/config.py``) and the ERP client (``connectors/erp/rest.py``) read is in it,
and it lists nothing they do not read."""

from __future__ import annotations

import re

from tests.erp_fixture import REPO

#: The modules that read the operator's configuration.
READERS = ("orchestrator/config.py", "connectors/erp/rest.py")
VARIABLE = re.compile(r"KOMMUNERPA_[A-Z_]+[A-Z]")


def read_by_the_code() -> set[str]:
    found: set[str] = set()
    for module in READERS:
        source = (REPO / module).read_text(encoding="utf-8")
        # Only names in code, not in docstrings and comments that mention them.
        code = re.sub(r'""".*?"""|#[^\n]*', "", source, flags=re.S)
        found |= set(VARIABLE.findall(code))
    return found


def in_the_readme_table() -> set[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `KOMMUNERPA_")]
    return {name for row in rows for name in VARIABLE.findall(row.split("|")[1])}


def test_readme_table_lists_exactly_the_variables_read() -> None:
    code, table = read_by_the_code(), in_the_readme_table()
    assert code, "no variables found: the readers moved?"
    assert code - table == set(), "read by the code, missing in the README table"
    assert table - code == set(), "in the README table, read by no code"
