"""The ERP stub: a FastAPI service with its own database that behaves like the municipality's
ERP (master data, purchase orders, goods receipts, incoming-invoice register), with faults on
demand. Start it with ``kommunerpa erp-stub serve``; see docs/erp-stub.md."""

from pathlib import Path

DEMO_SEED = Path(__file__).with_name("demo_seed.json")
