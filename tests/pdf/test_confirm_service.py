"""Confirming a PDF invoice without robots: the buyer defaulted from a one-tenant ERP."""

from __future__ import annotations

import httpx
import pytest

from orchestrator import pdf_review, services
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import Invoice, WorkItem
from tests.pdf.records import pdf_invoice_in_review

FJORDVIK = {"orgnr": "940123453", "name": "Fjordvik kommune", "units": ["1000"], "settings": {}}


def test_the_only_tenant_is_the_buyer_and_control_is_queued(
    home: Settings, demo: httpx.Client
) -> None:
    demo.post(
        "/admin/seed", params={"reset": True}, json={"tenants": [FJORDVIK]}
    ).raise_for_status()
    invoice_id = pdf_invoice_in_review(home)

    done = pdf_review.confirm_invoice(home, invoice_id, changes={}, user="Ola Operatør")

    assert done["fields"]["buyer_orgnr"] == "940123453"
    assert done["changed"] == {"buyer_orgnr": {"from": None, "to": "940123453"}}
    with transaction(home.database_url) as session:
        row = session.get(Invoice, invoice_id)
        assert row is not None and row.status == "received"
        assert row.key_fields["buyer"]["orgnr"] == "940123453"
        assert row.pdf_fields["confirmed_by"] == "Ola Operatør"  # type: ignore[index]
        item = session.get(WorkItem, done["work_item_id"])
        assert item is not None and (item.step, item.state) == ("control", "pending")
    # Confirmed once: a second confirmation finds nothing to confirm.
    with pytest.raises(services.ResolveError, match="no open PDF-REVIEW"):
        pdf_review.confirm_invoice(home, invoice_id, changes={}, user="Ola Operatør")


def test_an_ehf_invoice_cannot_be_confirmed(home: Settings, demo: httpx.Client) -> None:
    invoice_id = pdf_invoice_in_review(home)
    with transaction(home.database_url) as session:
        session.get(Invoice, invoice_id).source = "ehf"  # type: ignore[union-attr]

    with pytest.raises(services.ResolveError, match="not a PDF invoice"):
        pdf_review.confirm_invoice(home, invoice_id, changes={}, user="Ola")
