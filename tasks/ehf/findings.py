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
    """The verdict on one document: schema layer, then business rules."""

    document: str | None
    customization_id: str | None
    schema_valid: bool
    findings: tuple[Finding, ...]

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
