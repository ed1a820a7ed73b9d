"""PDF invoices: read the fields of a Norwegian (or English) invoice PDF with pdfplumber.

``tasks.pdf.extract.extract_pdf`` is the entry point; every value it returns carries a
confidence, the page and the text it was read from, so that a person can confirm it.
"""
