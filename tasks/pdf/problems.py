"""Why a PDF yields no fields, as a stable code with a message in bokmål and English."""

from __future__ import annotations

from dataclasses import dataclass

_MESSAGES: dict[str, tuple[str, str]] = {
    "PDF-NOT-PDF": (
        "Filen er ikke en PDF",
        "The file is not a PDF",
    ),
    "PDF-BROKEN": (
        # The reader's own (English) words stay out of bokmål: they are in the English text
        # and the exception's detail.
        "PDF-filen er skadet og kan ikke leses (teknisk årsak i detaljene)",
        "The PDF file is damaged and cannot be read: {reason}",
    ),
    "PDF-ENCRYPTED": (
        "PDF-filen er passordbeskyttet; be leverandøren sende den uten passord",
        "The PDF file is password-protected; ask the supplier to send it without a password",
    ),
    "PDF-NO-TEXT": (
        "PDF-filen har ikke noe tekstlag (et skannet bilde); feltene må leses av en person",
        "The PDF file has no text layer (a scanned image); a person must read the fields",
    ),
}


@dataclass(frozen=True)
class Problem:
    """A reason a PDF could not be read, with its messages filled in."""

    code: str
    nb: str
    en: str

    def message(self, lang: str = "nb") -> str:
        """The message in ``lang`` ("nb" or "en")."""
        return self.en if lang == "en" else self.nb


def problem(code: str, **evidence: str) -> Problem:
    """The :class:`Problem` for ``code``, its messages filled from ``evidence``."""
    nb, en = _MESSAGES[code]
    return Problem(code, nb.format(**evidence), en.format(**evidence))
