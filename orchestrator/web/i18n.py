"""Bokmål first, English on request: ``?lang=en`` (remembered in a cookie) switches.

Templates are written in bokmål and call ``t("…")``; ``EN`` maps each text to English. A text
missing from ``EN`` shows in bokmål (tests/web check that every text the templates use has
its English).
"""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("nb", "en")
COOKIE = "kommunerpa_lang"

EN: dict[str, str] = {
    # navigation and frame
    "Kontrollrom": "Control room",
    # PDF invoices: confirming the fields read from the PDF
    "Bekreft feltene fra PDF-en": "Confirm the fields read from the PDF",
    "Kontroller feltene mot PDF-en, rett feil og bekreft; fakturaen går så til kontroll.": (
        "Check the fields against the PDF, correct mistakes and confirm; the invoice then goes "
        "on to control."
    ),
    "Bekreft": "Confirm",
    "Kan ikke bekrefte": "Cannot confirm",
    "Tøm en linje for å fjerne den; fyll ut den tomme linjen for å legge til en.": (
        "Empty a line to remove it; fill in the empty line to add one."
    ),
    "Oversikt": "Dashboard",
    "Fakturaer": "Invoices",
    "Avvik": "Exceptions",
    "Godkjenning": "Approval",
    "Revisjon": "Audit",
    "Kjøringer": "Runs",
    "Brukere": "Users",
    "Logg ut": "Log out",
    "Logg inn": "Log in",
    "Brukernavn": "User name",
    "Passord": "Password",
    "Feil brukernavn eller passord.": "Wrong user name or password.",
    "For mange mislykkede forsøk. Vent noen minutter.": (
        "Too many failed attempts. Wait a few minutes."
    ),
    "Innlogget som": "Logged in as",
    "rolle": "role",
    "Ingen tilgang": "Access denied",
    "Din rolle gir ikke tilgang til dette.": "Your role does not allow this.",
    "Finnes ikke": "Not found",
    "Siden eller oppføringen finnes ikke.": "The page or entry does not exist.",
    "Noe gikk galt": "Something went wrong",
    "Feilen er logget. Prøv igjen, eller kontakt driftsansvarlig.": (
        "The error was logged. Try again, or contact IT operations."
    ),
    "Tilbake": "Back",
    "Filtrer": "Filter",
    "Nullstill": "Reset",
    "alle": "all",
    "fra": "from",
    "til": "to",
    "Ingen treff.": "No matches.",
    # dashboard
    "I dag": "Today",
    "Denne uken": "This week",
    "Mottatt": "Received",
    "Bokført": "Posted",
    "Venter på godkjenning": "Awaiting approval",
    "I avvik": "In exception",
    "Rett gjennom": "Straight through",
    "bokført uten at en person var innom": "posted without a person's touch",
    "Spart tid (anslag)": "Time saved (estimate)",
    "timer": "hours",
    "minutter per faktura for manuell behandling": "minutes per invoice for manual handling",
    "fakturaer rett gjennom": "invoices straight through",
    "faktura rett gjennom": "invoice straight through",
    "Roboter": "Robots",
    "Robot": "Robot",
    "Siste kjøring": "Last run",
    "Tilstand": "State",
    "aldri kjørt": "never run",
    "Start, stopp, pause og kjør nå kommer med planleggeren (sak #12).": (
        "Start, stop, pause and run now come with the scheduler (issue #12)."
    ),
    "Åpne avvik etter kode": "Open exceptions by code",
    "Gjennomstrømning siste 14 dager": "Throughput, last 14 days",
    "Forfaller snart eller har forfalt": "Due soon or overdue",
    "forfalt": "overdue",
    "Ingen åpne fakturaer forfaller den neste uken.": "No open invoice falls due in the next week.",
    "Ingen åpne avvik.": "No open exceptions.",
    # invoices
    "Leverandør": "Supplier",
    "Status": "Status",
    "Mottatt dato": "Received date",
    "Beløp": "Amount",
    "Forfall": "Due date",
    "Fakturanr.": "Invoice no.",
    "Kjøper": "Buyer",
    "Faktura": "Invoice",
    "Kreditnota": "Credit note",
    "Parter": "Parties",
    "Selger": "Seller",
    "Org.nr.": "Org. no.",
    "MVA-nr.": "VAT no.",
    "Linjer": "Lines",
    "Nr.": "No.",
    "Vare": "Item",
    "Antall": "Quantity",
    "Pris": "Price",
    "MVA": "VAT",
    "Linjebeløp": "Line amount",
    "Totaler": "Totals",
    "Sum linjer": "Line total",
    "Sum eks. MVA": "Total excl. VAT",
    "MVA-beløp": "VAT amount",
    "Sum inkl. MVA": "Total incl. VAT",
    "Forskuddsbetalt": "Prepaid",
    "Å betale": "Payable",
    "Betaling": "Payment",
    "Kontonummer": "Account number",
    "KID": "Payment ID (KID)",
    "Fakturadato": "Issue date",
    "Bestillingsreferanse": "Order reference",
    "Kjøpers referanse": "Buyer reference",
    "Vedlegg": "Attachments",
    "Ingen vedlegg.": "No attachments.",
    "Valideringsfunn (EHF-advarsler)": "Validation findings (EHF warnings)",
    "Ingen advarsler.": "No warnings.",
    "Kontroll og matching": "Control and matching",
    "Ingen avvik: alle kontroller og matchingen gikk gjennom.": (
        "No exceptions: every control and the matching passed."
    ),
    "Bevis": "Evidence",
    "Bilag i økonomisystemet": "ERP voucher",
    "Bilagsnr.": "Voucher no.",
    "Konto": "Account",
    "Ikke bokført ennå.": "Not posted yet.",
    "Forberedt bilag": "Prepared voucher",
    "Godkjenninger": "Approvals",
    "Revisjonsspor for fakturaen": "The invoice's audit trail",
    "Tid": "Time",
    "Hvem": "Who",
    "Hendelse": "Event",
    "Detaljer": "Details",
    "Originalen kunne ikke leses.": "The original could not be read.",
    "Last ned original": "Download original",
    "Godkjenner": "Approver",
    # exceptions
    "Kode": "Code",
    "Type": "Type",
    "Steg": "Step",
    "Alder": "Age",
    "dager": "days",
    "Melding": "Message",
    "Teknisk detalj": "Technical detail",
    "Tildelt": "Assigned to",
    "Ta valgte": "Take selected",
    "Mine": "Mine",
    "Ikke tildelt": "Unassigned",
    "Behandle valgte": "Resolve selected",
    "Handling": "Action",
    "Kjør steget på nytt": "Retry the step",
    "Overstyr (begrunnelse påkrevd)": "Override (reason required)",
    "Avvis fakturaen": "Reject the invoice",
    "Begrunnelse": "Reason",
    "Velg": "Select",
    "Åpne avvik etter alder og kode": "Open exceptions by age and code",
    "under 1 dag": "under 1 day",
    "1–3 dager": "1–3 days",
    "3–7 dager": "3–7 days",
    "over 7 dager": "over 7 days",
    "Velg minst ett avvik.": "Select at least one exception.",
    "Behandlet": "Resolved",
    "Kunne ikke behandles": "Could not be resolved",
    "Tildelt deg": "Assigned to you",
    "Fil": "File",
    # approvals
    "Attestasjon og anvisning": "Attestation and authorisation",
    "attestasjon": "attestation",
    "anvisning": "authorisation",
    "godkjenning": "approval",
    "Neste steg": "Next step",
    "Gjort": "Done",
    "Godkjenn": "Approve",
    "Avvis": "Reject",
    "Kommentar": "Comment",
    "Ingen fakturaer venter på deg.": "No invoices are waiting for you.",
    "Fakturaer som venter på godkjenning": "Invoices awaiting approval",
    "Godkjent": "Approved",
    "Avvist": "Rejected",
    # audit
    "Avviksloggen": "The exception log",
    "Revisjonssporet": "The audit trail",
    "Eksporter CSV": "Export CSV",
    "Eksporter Excel": "Export Excel",
    "Periode": "Period",
    "Person": "Person",
    "Løsning": "Resolution",
    "Løst av": "Resolved by",
    "Opprettet": "Created",
    "Sporet er intakt": "The trail is intact",
    "Sporet er BRUTT": "The trail is BROKEN",
    "oppføringer": "entries",
    "hode": "head",
    "ved oppføring": "at entry",
    "Viser de nyeste": "Showing the newest",
    "Eldre": "Older",
    "Nyere": "Newer",
    "Objekt": "Object",
    # robot control (dashboard)
    "Styring": "Control",
    "Planleggeren": "The scheduler",
    "i gang": "running",
    "ikke i gang": "not running",
    "Neste kjøring": "Next run",
    "Plan": "Schedule",
    "kjører": "running",
    "venter": "idle",
    "pauset": "paused",
    "stoppet": "stopped",
    "Stopp": "Stop",
    "Pause": "Pause",
    "Fortsett": "Resume",
    "Kjør nå": "Run now",
    # runs
    "Start": "Start",
    "Slutt": "End",
    "Ferdig": "Done",
    "Feilet": "Failed",
    "Logg": "Log",
    "Rapport": "Report",
    "ingen logg": "no log",
    # users
    "Legg til bruker": "Add user",
    "Fullt navn": "Full name",
    "Rolle": "Role",
    "Godkjenningsfullmakt": "Approval authority",
    "Gi fullmakt": "Grant authority",
    "Kommune (org.nr.)": "Tenant (org. no.)",
    "Referanse (tom: alle)": "Reference (empty: all)",
    "aktiv": "active",
    "Lagret.": "Saved.",
    "Du har ikke godkjenningsfullmakt for denne fakturaen.": (
        "You have no approval authority for this invoice."
    ),
    "Attestasjon og anvisning må gjøres av to forskjellige personer.": (
        "Attestation and authorisation must be done by two different persons."
    ),
    # robot controls refused (routes/robots.py)
    "Det finnes ingen robot med dette navnet.": "There is no robot of that name.",
    "Robotene har ingen slik handling.": "The robots have no such action.",
    "Roboten er stoppet": "The robot is stopped",
    "Roboten er stoppet. Start den før du ber om en kjøring.": (
        "The robot is stopped. Start it before asking for a run."
    ),
    # states and statuses (STATE_NAMES)
    "mottatt": "received",
    "kontrollert": "controlled",
    "matchet": "matched",
    "venter på godkjenning": "awaiting approval",
    "bokført": "posted",
    "avvik": "exception",
    "avvist": "rejected",
    "stanser": "stopping",
    "fullført": "passed",
    "feilet": "failed",
    "tidsavbrutt": "timed out",
    "døde": "died",
    "mistet databasen": "database lost",
    "åpen": "open",
    "løst": "resolved",
}

#: The codes of invoice statuses, run, robot and exception states as the pages show them (in
#: bokmål; ``EN`` has their English). A code not here shows as it is.
STATE_NAMES: dict[str, str] = {
    # invoices (orchestrator.steps)
    "received": "mottatt",
    "controlled": "kontrollert",
    "matched": "matchet",
    "awaiting_approval": "venter på godkjenning",
    "posted": "bokført",
    "exception": "avvik",
    "rejected": "avvist",
    # robot runs (orchestrator.runs)
    "running": "kjører",
    "stopping": "stanser",
    "passed": "fullført",
    "failed": "feilet",
    "stopped": "stoppet",
    "timed_out": "tidsavbrutt",
    "died": "døde",
    "db_lost": "mistet databasen",
    # robots (orchestrator.robots)
    "idle": "venter",
    "paused": "pauset",
    # exceptions
    "open": "åpen",
    "resolved": "løst",
}


def state_name(code: str, lang: str) -> str:
    """A status or state code as a person reads it, in ``lang``."""
    return translate(STATE_NAMES.get(code, code), lang)


def language(request: Request) -> str:
    """``?lang=`` if given, else the cookie, else bokmål."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return "nb"


def translate(text: str, lang: str) -> str:
    """``text`` (bokmål) in ``lang``."""
    return EN.get(text, text) if lang == "en" else text
