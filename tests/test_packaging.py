"""conda.yaml mirrors pyproject.toml, and the lock pins every declared dependency."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"])


def test_conda_yaml_mirrors_pyproject() -> None:
    conda = yaml.safe_load((ROOT / "conda.yaml").read_text())
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert set(pip_section) == declared()


def test_lock_pins_the_declared_versions() -> None:
    lock = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            lock[name.lower().replace("_", "-")] = version.strip()
    for requirement in declared():
        name, version = requirement.split("==")
        name = name.split("[")[0].lower()
        assert lock.get(name) == version, f"{name}: lock has {lock.get(name)}, pyproject {version}"
