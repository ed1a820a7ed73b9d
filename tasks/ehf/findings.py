"""What the EHF validator reports: findings and the verdict on one document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["fatal", "warning"]


@dataclass(frozen=True)
class Finding:
    """One rule that failed at one place in the document."""

    rule: str
    severity: Severity
    location: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of a finding (the CLI contract, plus the values involved)."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "location": self.location,
            "message": self.message,
        }
        if self.values:
            out["values"] = {k: str(v) for k, v in self.values.items()}
        return out


@dataclass(frozen=True)
class ValidationResult:
    """The verdict on one document: the schema layer, then the business rules.

    ``schema_errors`` are the UBL 2.1 XSD errors (``line N: message``); they are kept apart
    from ``findings``, which carry only rule ids (official ones, or ``NOT-XML`` and
    ``UNSUPPORTED-DOCUMENT`` for input that is no UBL Invoice, CreditNote or
    ApplicationResponse at all). ``release`` is the Peppol release whose rules gave the
    verdict (``ehf_schemas/release.toml``), so a stored verdict says what it was judged by.
    """

    document: str | None
    customization_id: str | None
    schema_valid: bool
    findings: tuple[Finding, ...]
    schema_errors: tuple[str, ...] = ()
    release: str | None = None

    @property
    def fatal(self) -> tuple[Finding, ...]:
        """Findings that make the document invalid."""
        return tuple(f for f in self.findings if f.severity == "fatal")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings that are recorded but do not stop the document."""
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def valid(self) -> bool:
        """Schema-valid and no fatal finding."""
        return self.schema_valid and not self.fatal

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the verdict (without the file name, which the caller knows)."""
        return {
            "document": self.document,
            "customization_id": self.customization_id,
            "schema_valid": self.schema_valid,
            "valid": self.valid,
            "findings": [f.as_dict() for f in self.findings],
            "schema_errors": list(self.schema_errors),
            "release": self.release,
        }
