*** Settings ***
Documentation       Matching mot bestilling.
...
...                 En kontrollert faktura sammenholdes med bestillingen i økonomisystemet:
...                 riktig bestilling, riktige linjer, avtalt pris og ikke mer enn bestilt og
...                 mottatt (toveis og treveis matching). Det som stemmer, går til bokføring.
...                 En faktura uten bestilling går til attestanten for referansen. Avvik går
...                 til avviksloggen med tallene saksbehandleren trenger.
Resource            common.resource
Library             tasks.matching.keywords.MatchingKeywords
Suite Setup         Kontroller innstillinger


*** Tasks ***
Match fakturaer mot bestilling
    Behandle alle arbeidsoppgaver    Match faktura


*** Keywords ***
Match faktura
    ${faktura_id}=    Get Work Item Variable    invoice_id
    Hent faktura    ${faktura_id}
    Hent bestilling, varemottak og avtaler
    ${rute}=    Match mot bestilling
    IF    '${rute}' == 'attestering'
        ${attestant}=    Send til attestering
        Log    Fakturaen venter på attestasjon av ${attestant}.
    ELSE
        Send til neste steg    ${faktura_id}
    END
