*** Settings ***
Documentation       Mottak av EHF- og PDF-fakturaer.
...
...                 Hver fil som kommer inn fra aksesspunktet blir arkivert uendret,
...                 lest, registrert som faktura og sendt videre til kontroll.
...                 En PDF-faktura blir lest og registrert på samme måte, men stopper
...                 til en person har kontrollert og bekreftet feltene.
...                 Filer som ikke er fakturaer, og fakturaer som er mottatt før,
...                 går til avviksloggen for en saksbehandler.
Resource            common.resource
Library             tasks.receipt.keywords.ReceiptKeywords


*** Tasks ***
Motta fakturaer fra innboksen
    Behandle alle arbeidsoppgaver    Motta faktura


*** Keywords ***
Motta faktura
    ${fil}=    Get Work Item Variable    path
    ${filnavn}=    Get Work Item Variable    file
    ${original}=    Arkiver original    ${fil}    ${filnavn}
    IF    ${original}[redelivered]
        Log    ${filnavn} er mottatt før med nøyaktig samme innhold, og hoppes over.
        RETURN
    END
    ${type}=    Dokumenttype    ${original}
    IF    $type == 'pdf'
        Registrer PDF-faktura til kontroll    ${original}    ${filnavn}
    ELSE
        ${faktura}=    Les faktura    ${original}    ${filnavn}
        ${faktura_id}=    Registrer faktura    ${faktura}    ${original}    ${filnavn}
        Send til neste steg    ${faktura_id}
    END
