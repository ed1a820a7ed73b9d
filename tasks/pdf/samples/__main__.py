"""``python -m tasks.pdf.samples [FOLDER]``: write the sample corpus (default ./pdf-samples)."""

from __future__ import annotations

import sys
from pathlib import Path

from tasks.pdf.samples import write_corpus

for path in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "pdf-samples")).values():
    print(path)
