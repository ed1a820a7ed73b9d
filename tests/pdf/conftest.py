"""The generated PDF corpus, written once per test session into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.pdf.extract import extract_file
from tasks.pdf.model import Extraction
from tasks.pdf.samples import write_corpus
from tests.web.conftest import (  # noqa: F401  (the control room's, for the confirm form)
    cheap_password_hashes,
    client_for,
    seeded,
    seeded_template,
    web_settings,
)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every sample PDF by name (see tasks/pdf/samples.py)."""
    return write_corpus(tmp_path_factory.mktemp("pdf-corpus"))


@pytest.fixture(scope="session")
def extracted(corpus: dict[str, Path]) -> dict[str, Extraction]:
    """Each sample read once; the per-field tests look at the same result."""
    return {name: extract_file(path) for name, path in corpus.items()}
