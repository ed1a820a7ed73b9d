"""The matching step: invoices against purchase orders, goods receipts and agreements."""
