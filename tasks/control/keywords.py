"""Keyword library of the control robot: the invoice controls, one keyword each.

The suite reads as the accountant's routine ("Kontroller leverandør", "Kontroller
kontonummer" …). Each keyword runs one pure control from ``tasks.control.checks`` over the
current invoice and collects what it finds; ``Avslutt kontroll`` then reports every failing
control together, each as its own business exception, and only a clean invoice goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from robot.api.deco import keyword, library

from orchestrator import exceptions
from orchestrator.db import transaction
from orchestrator.models import Invoice as InvoiceRow
from orchestrator.robotlib import context
from tasks import invoice_source
from tasks.control import checks
from tasks.control.settings import ControlSettings, tenant_settings
from tasks.control.settings_keywords import SettingsKeywords
from tasks.deviations import Deviation
from tasks.ehf.findings import ValidationResult
from tasks.ehf.model import Invoice
from tasks.ehf.validate import validate_bytes
from tasks.erp_access import connect, erp_call
from tasks.errors import BusinessException
from tasks.invoice_source import ReceivedInvoice


@dataclass
class _Case:
    """The invoice under control and what the controls found so far."""

    received: ReceivedInvoice
    settings: ControlSettings
    validation: ValidationResult | None = None
    data: checks.MasterData = field(default_factory=lambda: checks.MasterData(None, None))
    found: list[Deviation] = field(default_factory=list)

    @property
    def invoice(self) -> Invoice:
        """The parsed invoice under control."""
        return self.received.invoice


@library(scope="GLOBAL", auto_keywords=False)
class ControlKeywords(SettingsKeywords):
    """Fakturakontroll: EHF-reglene, stamdata i økonomisystemet og kommunens innstillinger."""

    def __init__(self) -> None:
        self.ctx = context()
        super().__init__(self.ctx)
        self.erp = connect(self.ctx.settings.erp_url)
        self._case: _Case | None = None

    @property
    def case(self) -> _Case:
        if self._case is None:
            raise RuntimeError("no invoice under control: call 'Hent faktura' first")
        return self._case

    @keyword("Hent faktura")
    def hent_faktura(self, invoice_id: int | str) -> None:
        """Read the invoice's archived original and parse it."""
        received = invoice_source.load(self.ctx.settings, invoice_id)
        self._case = _Case(received, self.book.default)

    @keyword("Valider EHF")
    def valider_ehf(self) -> None:
        """EHF-INVALID when the document breaks the EHF rules; warnings are kept on the invoice."""
        case = self.case
        case.validation = validate_bytes(case.received.original)
        warnings = [
            {"rule": f.rule, "location": f.location, "message": f.message}
            for f in case.validation.warnings
        ]
        with transaction(self.ctx.settings.database_url) as session:
            session.get(InvoiceRow, case.received.invoice_id).ehf_warnings = warnings
        case.found += checks.ehf_valid(case.validation)

    @keyword("Hent stamdata")
    def hent_stamdata(self) -> None:
        """Look up the buyer (tenant), the supplier and its framework agreements in the ERP."""
        case = self.case
        buyer, supplier = case.invoice.buyer.orgnr, case.invoice.supplier.orgnr
        tenant = erp_call(lambda: self.erp.tenant(buyer)) if buyer else None
        found = erp_call(lambda: self.erp.supplier(supplier)) if supplier else None
        agreements = erp_call(lambda: self.erp.agreements(supplier)) if found else []
        case.data = checks.MasterData(tenant, found, tuple(agreements))
        case.settings = tenant_settings(self.book, buyer, tenant)

    @keyword("Kontroller kjøper")
    def kontroller_kjoper(self) -> None:
        """BUYER-UNKNOWN: the buyer is not a tenant in the ERP."""
        self.case.found += checks.buyer_known(self.case.invoice, self.case.data.tenant)

    @keyword("Kontroller leverandør")
    def kontroller_leverandor(self) -> None:
        """SUPPLIER-UNKNOWN / SUPPLIER-BLOCKED against the supplier register."""
        self.case.found += checks.supplier_known(self.case.invoice, self.case.data.supplier)

    @keyword("Kontroller kontonummer")
    def kontroller_kontonummer(self) -> None:
        """BANK-ACCOUNT-INVALID / BANK-ACCOUNT-MISMATCH against the supplier's accounts."""
        self.case.found += checks.bank_account(self.case.invoice, self.case.data.supplier)

    @keyword("Kontroller KID")
    def kontroller_kid(self) -> None:
        """KID-INVALID: a payment id that is not a valid KID."""
        self.case.found += checks.kid(self.case.invoice)

    @keyword("Kontroller merverdiavgift")
    def kontroller_mva(self) -> None:
        """VAT-NOT-REGISTERED: VAT charged by a supplier not registered for VAT."""
        self.case.found += checks.vat_registration(self.case.invoice, self.case.data.supplier)

    @keyword("Kontroller referanse")
    def kontroller_referanse(self) -> None:
        """REFERENCE-MISSING: neither order nor buyer reference, where the tenant requires one."""
        self.case.found += checks.reference(self.case.invoice, self.case.settings)

    @keyword("Kontroller valuta")
    def kontroller_valuta(self) -> None:
        """CURRENCY-UNEXPECTED: a currency the tenant does not accept."""
        self.case.found += checks.currency(self.case.invoice, self.case.settings)

    @keyword("Kontroller forfallsdato")
    def kontroller_forfall(self) -> None:
        """DUE-DATE-INVALID: due before issue, or terms shorter than the tenant's minimum."""
        self.case.found += checks.due_date(self.case.invoice, self.case.settings)

    @keyword("Kontroller beløpsgrense")
    def kontroller_belop(self) -> None:
        """AMOUNT-ABOVE-LIMIT: above the tenant's limit for automatic processing."""
        self.case.found += checks.amount_limit(self.case.invoice, self.case.settings)

    @keyword("Kontroller rammeavtale")
    def kontroller_rammeavtale(self) -> None:
        """AGREEMENT-MISSING: no valid framework agreement, where the tenant requires one."""
        case = self.case
        case.found += checks.agreement(case.invoice, case.data, case.settings)

    @keyword("Avslutt kontroll")
    def avslutt_kontroll(self) -> None:
        """Report every deviation found (each its own business exception) or pass the invoice.

        Deviations a person has already overridden for this invoice are accepted, not raised
        again when the control runs anew.
        """
        case, self._case = self.case, None
        with transaction(self.ctx.settings.database_url) as session:
            accepted = exceptions.overridden_codes(session, case.received.invoice_id, "control")
        open_deviations = [d for d in case.found if d.code not in accepted]
        if open_deviations:
            raise BusinessException.from_deviations(open_deviations)
