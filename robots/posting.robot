*** Settings ***
Documentation       Bokføring.
...
...                 En matchet eller attestert faktura bokføres som bilag i økonomisystemets
...                 inngående fakturajournal. Bokføringen kan gjentas trygt: samme faktura gir
...                 alltid det samme bilaget, aldri et nytt.
Resource            common.resource
Library             tasks.posting.keywords.PostingKeywords


*** Tasks ***
Bokfør fakturaer
    Behandle alle arbeidsoppgaver    Bokfør


*** Keywords ***
Bokfør
    ${faktura_id}=    Get Work Item Variable    invoice_id
    ${bilag}=    Bokfør faktura    ${faktura_id}
    Log    Faktura ${faktura_id} er bokført som bilag ${bilag}.
