*** Settings ***
Documentation       Fakturakontroll.
...
...                 Hver mottatte faktura kontrolleres mot EHF-reglene, mot stamdata i
...                 økonomisystemet (kjøper, leverandør, kontonummer, mva, rammeavtaler) og
...                 mot kommunens egne krav (referanse, valuta, forfall, beløpsgrense).
...                 Alle avvik meldes samlet til avviksloggen; bare en faktura uten åpne
...                 avvik går videre til matching.
...
...                 Hvert nøkkelord gjør sin kontroll for alle fakturaene i partiet.
Resource            common.resource
Library             tasks.control.keywords.ControlKeywords
Suite Setup         Kontroller innstillinger


*** Tasks ***
Kontroller fakturaer
    Behandle alle partier    Kontroller fakturaene


*** Keywords ***
Kontroller fakturaene
    Hent fakturaene
    Valider EHF
    Hent stamdata
    Kontroller kjøper
    Kontroller leverandør
    Kontroller kontonummer
    Kontroller KID
    Kontroller merverdiavgift
    Kontroller referanse
    Kontroller valuta
    Kontroller forfallsdato
    Kontroller beløpsgrense
    Kontroller rammeavtale
    Avslutt kontroll
    Send til neste steg
