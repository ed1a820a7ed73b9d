"""The posting step: a matched or approved invoice becomes a voucher in the ERP."""
