*** Settings ***
Documentation       Matching mot bestilling.
...
...                 En kontrollert faktura sammenholdes med bestillingen i økonomisystemet:
...                 riktig bestilling, riktige linjer, avtalt pris og ikke mer enn bestilt og
...                 mottatt (toveis og treveis matching). Det som stemmer, går til bokføring.
...                 En faktura uten bestilling går til attestanten for referansen. Avvik går
...                 til avviksloggen med tallene saksbehandleren trenger.
...
...                 Hvert nøkkelord gjør sitt for alle fakturaene i partiet.
Resource            common.resource
Library             tasks.matching.keywords.MatchingKeywords
Suite Setup         Kontroller innstillinger


*** Tasks ***
Match fakturaer mot bestilling
    Behandle alle partier    Match fakturaene


*** Keywords ***
Match fakturaene
    Hent fakturaene
    Hent bestilling, varemottak og avtaler
    Match mot bestilling
    Send fakturaer uten bestilling til attestering
    Send til neste steg
