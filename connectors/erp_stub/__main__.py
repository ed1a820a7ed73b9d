"""``python -m connectors.erp_stub``: the ``erp-stub`` commands without the ``kommunerpa``
root, which imports every command group (and so fails while one of them is missing)."""

from connectors.erp_stub.cli import erp_stub

erp_stub(prog_name="erp-stub")
