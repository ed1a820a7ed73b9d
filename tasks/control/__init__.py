"""The control step: invoice controls against ERP master data and per-tenant settings."""
