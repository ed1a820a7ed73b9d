"""Code lists of the EHF release, one plain-text file per list (one code a line, ``#`` comments).

Lists live under the family that uses them (``cen/``, ``peppol/``, ``national/``) because the
CEN and Peppol rule files carry their own versions of some lists, and the release decides.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def codes(family: str, name: str) -> frozenset[str]:
    """The codes of list ``name`` of ``family``, e.g. ``codes("cen", "currency")``."""
    path = resources.files(__name__) / family / f"{name}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(s for line in lines if (s := line.split("#", 1)[0].strip()))
