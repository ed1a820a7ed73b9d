*** Settings ***
Documentation       Bokføring.
...
...                 En matchet eller attestert faktura bokføres som bilag i økonomisystemets
...                 inngående fakturajournal. Bokføringen kan gjentas trygt: samme faktura gir
...                 alltid det samme bilaget, aldri et nytt.
...
...                 Hvert nøkkelord gjør sitt for alle fakturaene i partiet.
Resource            common.resource
Library             tasks.posting.keywords.PostingKeywords


*** Tasks ***
Bokfør fakturaer
    Behandle alle partier    Bokfør fakturaene


*** Keywords ***
Bokfør fakturaene
    Hent de klargjorte bilagene
    Kontroller mot bilagsregisteret
    Bokfør bilagene
