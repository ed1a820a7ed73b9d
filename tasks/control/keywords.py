"""Keyword library of the control robot: the invoice controls, one keyword each.

The suite reads as the accountant's routine ("Kontroller leverandør", "Kontroller
kontonummer" …). Each keyword runs one pure control from ``tasks.control.checks`` over every
invoice of the batch (``orchestrator.batch``) and collects what it finds; ``Avslutt kontroll``
then reports every failing control of an invoice together, each as its own business
exception, and only a clean invoice goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from robot.api.deco import keyword, library

from connectors.erp import Erp, connect
from connectors.erp.cache import MasterDataCache
from orchestrator import robot_api
from tasks import invoice_source
from tasks.control import checks, erp_data
from tasks.control.settings import ControlSettings, tenant_settings
from tasks.control.settings_keywords import SettingsKeywords
from tasks.deviations import Deviation
from tasks.ehf.findings import ValidationResult
from tasks.ehf.model import Invoice
from tasks.ehf.validate import validate_bytes
from tasks.erp_access import prefetched
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
    """Fakturakontroll: EHF-reglene, stamdata i økonomisystemet og kommunens innstillinger.

    Hver kontroll samler det den finner; ``Avslutt kontroll`` melder alle avvik samlet, hvert
    som sitt eget forretningsavvik, og bare en faktura uten åpne avvik går videre.

    Eksempel:
    | `Hent fakturaene` |
    | `Valider EHF` |
    | `Hent stamdata` |
    | `Kontroller leverandør` |
    | `Avslutt kontroll` |
    """

    def __init__(self) -> None:
        self.ctx = robot_api.context()
        super().__init__(self.ctx.settings.home)
        # Tenants, agreements and approvers for a short while; see connectors.erp.cache.
        self.erp: Erp = MasterDataCache(
            connect(self.ctx.settings.erp_url), self.ctx.settings.erp_cache_seconds
        )

    @staticmethod
    def _each(control: Callable[[_Case], None]) -> None:
        """Run ``control`` on the case of every invoice of the batch still under control."""
        robot_api.for_each(lambda item: control(item.case))

    @keyword("Hent fakturaene")
    def load_invoices(self) -> None:
        """Henter hver faktura slik mottaket registrerte den (XML-en leses ikke på nytt).

        Eksempel:
        | `Hent neste parti` |
        | Hent fakturaene |
        """
        invoice_source.load_each(self.ctx, lambda received: _Case(received, self.book.default))

    @keyword("Valider EHF")
    def validate_ehf(self) -> None:
        """EHF-INVALID når dokumentet bryter EHF-reglene; advarsler lagres på fakturaen og
        stopper den ikke. En PDF-faktura har ikke noe EHF-dokument: det føres som «ikke
        aktuelt» (uten regelversjon), og feltene er bekreftet av en person.

        Eksempel:
        | `Hent fakturaene` |
        | Valider EHF |
        """
        self._each(self._validate)

    def _validate(self, case: _Case) -> None:
        if case.received.is_pdf:
            robot_api.record_ehf_not_applicable(self.ctx, case.received.invoice_id)
            return
        case.validation = validate_bytes(case.received.original)
        warnings = [
            {"rule": f.rule, "location": f.location, "message": f.message}
            for f in case.validation.warnings
        ]
        robot_api.store_ehf_verdict(
            self.ctx, case.received.invoice_id, warnings, release=case.validation.release
        )
        case.found += checks.ehf_valid(case.validation)

    @keyword("Hent stamdata")
    def load_master_data(self) -> None:
        """Slår opp kjøperen (oppdragsgiveren), leverandøren og leverandørens rammeavtaler i
        økonomisystemet. Feiler med ERP-UNAVAILABLE / ERP-ERROR (prøves igjen) når
        økonomisystemet ikke svarer.

        Eksempel:
        | `Hent fakturaene` |
        | Hent stamdata |
        """
        cases = [item.case for item in robot_api.open_items()]
        with prefetched(self.erp, erp_data.needs(case.invoice for case in cases)):
            self._each(self._load_master_data)

    def _load_master_data(self, case: _Case) -> None:
        case.data = erp_data.master_data(self.erp, case.invoice)
        case.settings = tenant_settings(self.book, case.invoice.buyer.orgnr, case.data.tenant)

    @keyword("Kontroller kjøper")
    def check_buyer(self) -> None:
        """BUYER-UNKNOWN: kjøperen er ikke en oppdragsgiver i økonomisystemet.

        Eksempel:
        | Hent stamdata |
        | Kontroller kjøper |
        """
        self._each(lambda c: c.found.extend(checks.buyer_known(c.invoice, c.data.tenant)))

    @keyword("Kontroller leverandør")
    def check_supplier(self) -> None:
        """SUPPLIER-UNKNOWN / SUPPLIER-BLOCKED: leverandøren mot leverandørregisteret.

        Eksempel:
        | Hent stamdata |
        | Kontroller leverandør |
        """
        self._each(lambda c: c.found.extend(checks.supplier_known(c.invoice, c.data.supplier)))

    @keyword("Kontroller kontonummer")
    def check_bank_account(self) -> None:
        """BANK-ACCOUNT-INVALID / BANK-ACCOUNT-MISMATCH: kontonummeret mot leverandørens
        registrerte kontoer.

        Eksempel:
        | Hent stamdata |
        | Kontroller kontonummer |
        """
        self._each(lambda c: c.found.extend(checks.bank_account(c.invoice, c.data.supplier)))

    @keyword("Kontroller KID")
    def check_kid(self) -> None:
        """KID-INVALID: en betalingsreferanse som ikke er en gyldig KID (MOD10 eller MOD11).

        Eksempel:
        | Kontroller KID |
        """
        self._each(lambda c: c.found.extend(checks.kid(c.invoice)))

    @keyword("Kontroller merverdiavgift")
    def check_vat(self) -> None:
        """VAT-NOT-REGISTERED: merverdiavgift fra en leverandør som ikke er mva-registrert.

        Eksempel:
        | Hent stamdata |
        | Kontroller merverdiavgift |
        """
        self._each(lambda c: c.found.extend(checks.vat_registration(c.invoice, c.data.supplier)))

    @keyword("Kontroller referanse")
    def check_reference(self) -> None:
        """REFERENCE-MISSING: verken bestillingsnummer eller kjøpers referanse, der
        oppdragsgiveren krever en.

        Eksempel:
        | Kontroller referanse |
        """
        self._each(lambda c: c.found.extend(checks.reference(c.invoice, c.settings)))

    @keyword("Kontroller valuta")
    def check_currency(self) -> None:
        """CURRENCY-UNEXPECTED: en valuta oppdragsgiveren ikke tar imot.

        Eksempel:
        | Kontroller valuta |
        """
        self._each(lambda c: c.found.extend(checks.currency(c.invoice, c.settings)))

    @keyword("Kontroller forfallsdato")
    def check_due_date(self) -> None:
        """DUE-DATE-INVALID: forfall før fakturadato, eller kortere betalingsfrist enn
        oppdragsgiverens minimum.

        Eksempel:
        | Kontroller forfallsdato |
        """
        self._each(lambda c: c.found.extend(checks.due_date(c.invoice, c.settings)))

    @keyword("Kontroller beløpsgrense")
    def check_amount_limit(self) -> None:
        """AMOUNT-ABOVE-LIMIT: over oppdragsgiverens grense for automatisk behandling.

        Eksempel:
        | Kontroller beløpsgrense |
        """
        self._each(lambda c: c.found.extend(checks.amount_limit(c.invoice, c.settings)))

    @keyword("Kontroller rammeavtale")
    def check_agreement(self) -> None:
        """AGREEMENT-MISSING: ingen gyldig rammeavtale, der oppdragsgiveren krever en.

        Eksempel:
        | Hent stamdata |
        | Kontroller rammeavtale |
        """
        self._each(lambda c: c.found.extend(checks.agreement(c.invoice, c.data, c.settings)))

    @keyword("Avslutt kontroll")
    def finish_control(self) -> None:
        """Melder alle avvik kontrollene fant (hvert sitt forretningsavvik), eller slipper
        fakturaen videre.

        Avvik en saksbehandler allerede har overstyrt for fakturaen, er godtatt og meldes
        ikke på nytt når kontrollen kjøres igjen.

        Eksempel:
        | Kontroller leverandør |
        | Avslutt kontroll |
        | `Send til neste steg` |
        """
        cases = [item.case for item in robot_api.open_items()]
        accepted = robot_api.overridden_codes(
            self.ctx, [case.received.invoice_id for case in cases], "control"
        )
        self._each(lambda case: self._report(case, accepted[case.received.invoice_id]))

    def _report(self, case: _Case, accepted: set[str]) -> None:
        open_deviations = [d for d in case.found if d.code not in accepted]
        if open_deviations:
            raise BusinessException.from_deviations(open_deviations)
