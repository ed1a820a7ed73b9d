"""The ERP connector: the ``Erp`` protocol (``base``), its REST implementation (``rest``) and
the one factory every robot gets its ERP from.

``connect(url)`` picks the implementation by the URL's scheme: ``http``/``https`` is the REST
client (the ERP stub, or a real ERP's integration layer speaking the same API); any other
scheme is looked up among the installed ``kommunerpa.erp`` entry points, so another ERP plugs
in without editing this project. In the other package's ``pyproject.toml``::

    [project.entry-points."kommunerpa.erp"]
    visma = "kommunerpa_visma:connect"      # called with the URL, returns an Erp

and ``KOMMUNERPA_ERP_URL=visma://tenant-42`` selects it. The factory may return a plain
``Erp`` (one lookup per call): ``connect`` gives it the bulk methods of ``BulkErp`` as loops
over those calls (``connectors.erp.bulk``), so batch keywords work with any ERP.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from urllib.parse import urlsplit

from connectors.erp.base import BulkErp, Erp
from connectors.erp.bulk import with_bulk

#: The entry point group other ERP connectors register under, by URL scheme.
ENTRY_POINT_GROUP = "kommunerpa.erp"

__all__ = ["ENTRY_POINT_GROUP", "BulkErp", "Erp", "UnknownErp", "connect"]


class UnknownErp(LookupError):
    """No connector is installed for the ERP URL's scheme."""


def connect(url: str) -> BulkErp:
    """The ERP at ``url`` (``KOMMUNERPA_ERP_URL``), through the connector for its scheme."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        from connectors.erp.rest import RestErp  # the one place the REST class is named

        return RestErp(url)
    found = entry_points(group=ENTRY_POINT_GROUP, name=scheme)
    if not found:
        raise UnknownErp(
            f"no ERP connector for {scheme or 'a URL without scheme'!r} ({url}): "
            f"install one registering the entry point group {ENTRY_POINT_GROUP!r}"
        )
    factory = next(iter(found)).load()
    return with_bulk(factory(url))
