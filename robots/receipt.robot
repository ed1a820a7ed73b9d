*** Settings ***
Documentation       Mottak av EHF- og PDF-fakturaer.
...
...                 Hver fil som kommer inn fra aksesspunktet blir arkivert uendret,
...                 lest, registrert som faktura og sendt videre til kontroll.
...                 En PDF-faktura blir lest og registrert på samme måte, men stopper
...                 til en person har kontrollert og bekreftet feltene.
...                 Filer som ikke er fakturaer, og fakturaer som er mottatt før,
...                 går til avviksloggen for en saksbehandler.
...
...                 Hvert nøkkelord gjør sitt for alle filene i partiet.
Resource            common.resource
Library             tasks.receipt.keywords.ReceiptKeywords


*** Tasks ***
Motta fakturaer fra innboksen
    Behandle alle partier    Motta fakturaene


*** Keywords ***
Motta fakturaene
    Arkiver originalene
    Hopp over gjentatte leveranser
    Registrer PDF-fakturaer til kontroll
    Les fakturaene
    Registrer fakturaene
    Send til neste steg
