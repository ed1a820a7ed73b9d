"""The UBL 2.1 vocabulary the EHF rules are written in: namespaces and element tags.

Every tag a rule names is a constant here, called after its local name in upper snake case
(``cac:AccountingSupplierParty`` is ``ACCOUNTING_SUPPLIER_PARTY``), so that a rule reads
like the Schematron path it mirrors. Tags are Clark names (``{namespace}LocalName``), the
form lxml gives ``el.tag``.
"""

from __future__ import annotations

NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDITNOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

#: The prefixes of the official rule files' paths (``cbc:ID``, ``/ubl:Invoice``).
PREFIXES = {
    "cbc": NS_CBC,
    "cac": NS_CAC,
    "ext": NS_EXT,
    "ubl": NS_INVOICE,
    "cn": NS_CREDITNOTE,
}


def cbc(name: str) -> str:
    """Clark tag of a UBL basic component, e.g. ``cbc("ID")``."""
    return f"{{{NS_CBC}}}{name}"


def cac(name: str) -> str:
    """Clark tag of a UBL aggregate component, e.g. ``cac("Party")``."""
    return f"{{{NS_CAC}}}{name}"


INVOICE = f"{{{NS_INVOICE}}}Invoice"
CREDIT_NOTE = f"{{{NS_CREDITNOTE}}}CreditNote"

# --- aggregate components (cac:) ---
ACCOUNTING_CUSTOMER_PARTY = cac("AccountingCustomerParty")
ACCOUNTING_SUPPLIER_PARTY = cac("AccountingSupplierParty")
ADDITIONAL_DOCUMENT_REFERENCE = cac("AdditionalDocumentReference")
ADDITIONAL_ITEM_PROPERTY = cac("AdditionalItemProperty")
ADDRESS = cac("Address")
ALLOWANCE_CHARGE = cac("AllowanceCharge")
ATTACHMENT = cac("Attachment")
BILLING_REFERENCE = cac("BillingReference")
CARD_ACCOUNT = cac("CardAccount")
CLASSIFIED_TAX_CATEGORY = cac("ClassifiedTaxCategory")
COMMODITY_CLASSIFICATION = cac("CommodityClassification")
COUNTRY = cac("Country")
CREDIT_NOTE_LINE = cac("CreditNoteLine")
DELIVERY = cac("Delivery")
DELIVERY_LOCATION = cac("DeliveryLocation")
DOCUMENT_REFERENCE = cac("DocumentReference")
INVOICE_DOCUMENT_REFERENCE = cac("InvoiceDocumentReference")
INVOICE_LINE = cac("InvoiceLine")
INVOICE_PERIOD = cac("InvoicePeriod")
ITEM = cac("Item")
LEGAL_MONETARY_TOTAL = cac("LegalMonetaryTotal")
ORDER_REFERENCE = cac("OrderReference")
ORIGIN_COUNTRY = cac("OriginCountry")
PARTY = cac("Party")
PARTY_IDENTIFICATION = cac("PartyIdentification")
PARTY_LEGAL_ENTITY = cac("PartyLegalEntity")
PARTY_NAME = cac("PartyName")
PARTY_TAX_SCHEME = cac("PartyTaxScheme")
PAYEE_FINANCIAL_ACCOUNT = cac("PayeeFinancialAccount")
PAYEE_PARTY = cac("PayeeParty")
PAYMENT_MANDATE = cac("PaymentMandate")
PAYMENT_MEANS = cac("PaymentMeans")
POSTAL_ADDRESS = cac("PostalAddress")
PRICE = cac("Price")
STANDARD_ITEM_IDENTIFICATION = cac("StandardItemIdentification")
TAX_CATEGORY = cac("TaxCategory")
TAX_REPRESENTATIVE_PARTY = cac("TaxRepresentativeParty")
TAX_SCHEME = cac("TaxScheme")
TAX_SUBTOTAL = cac("TaxSubtotal")
TAX_TOTAL = cac("TaxTotal")

# --- basic components (cbc:) ---
ACTUAL_DELIVERY_DATE = cbc("ActualDeliveryDate")
ALLOWANCE_CHARGE_REASON = cbc("AllowanceChargeReason")
ALLOWANCE_CHARGE_REASON_CODE = cbc("AllowanceChargeReasonCode")
ALLOWANCE_TOTAL_AMOUNT = cbc("AllowanceTotalAmount")
AMOUNT = cbc("Amount")
BASE_AMOUNT = cbc("BaseAmount")
BASE_QUANTITY = cbc("BaseQuantity")
BUYER_REFERENCE = cbc("BuyerReference")
CHARGE_INDICATOR = cbc("ChargeIndicator")
CHARGE_TOTAL_AMOUNT = cbc("ChargeTotalAmount")
CITY_NAME = cbc("CityName")
COMPANY_ID = cbc("CompanyID")
CREDITED_QUANTITY = cbc("CreditedQuantity")
CREDIT_NOTE_TYPE_CODE = cbc("CreditNoteTypeCode")
CUSTOMIZATION_ID = cbc("CustomizationID")
DESCRIPTION_CODE = cbc("DescriptionCode")
DOCUMENT_CURRENCY_CODE = cbc("DocumentCurrencyCode")
DOCUMENT_DESCRIPTION = cbc("DocumentDescription")
DOCUMENT_TYPE_CODE = cbc("DocumentTypeCode")
DUE_DATE = cbc("DueDate")
EMBEDDED_DOCUMENT_BINARY_OBJECT = cbc("EmbeddedDocumentBinaryObject")
ENDPOINT_ID = cbc("EndpointID")
END_DATE = cbc("EndDate")
ID = cbc("ID")
IDENTIFICATION_CODE = cbc("IdentificationCode")
INVOICED_QUANTITY = cbc("InvoicedQuantity")
INVOICE_TYPE_CODE = cbc("InvoiceTypeCode")
ISSUE_DATE = cbc("IssueDate")
ITEM_CLASSIFICATION_CODE = cbc("ItemClassificationCode")
LINE_EXTENSION_AMOUNT = cbc("LineExtensionAmount")
LINE_ID = cbc("LineID")
MULTIPLIER_FACTOR_NUMERIC = cbc("MultiplierFactorNumeric")
NAME = cbc("Name")
NOTE = cbc("Note")
PAYABLE_AMOUNT = cbc("PayableAmount")
PAYABLE_ROUNDING_AMOUNT = cbc("PayableRoundingAmount")
PAYMENT_DUE_DATE = cbc("PaymentDueDate")
PAYMENT_ID = cbc("PaymentID")
PAYMENT_MEANS_CODE = cbc("PaymentMeansCode")
PERCENT = cbc("Percent")
POSTAL_ZONE = cbc("PostalZone")
PREPAID_AMOUNT = cbc("PrepaidAmount")
PRICE_AMOUNT = cbc("PriceAmount")
PRIMARY_ACCOUNT_NUMBER_ID = cbc("PrimaryAccountNumberID")
PROFILE_ID = cbc("ProfileID")
REGISTRATION_NAME = cbc("RegistrationName")
START_DATE = cbc("StartDate")
STREET_NAME = cbc("StreetName")
TAXABLE_AMOUNT = cbc("TaxableAmount")
TAX_AMOUNT = cbc("TaxAmount")
TAX_CURRENCY_CODE = cbc("TaxCurrencyCode")
TAX_EXCLUSIVE_AMOUNT = cbc("TaxExclusiveAmount")
TAX_EXEMPTION_REASON = cbc("TaxExemptionReason")
TAX_EXEMPTION_REASON_CODE = cbc("TaxExemptionReasonCode")
TAX_INCLUSIVE_AMOUNT = cbc("TaxInclusiveAmount")
TAX_POINT_DATE = cbc("TaxPointDate")
UBL_VERSION_ID = cbc("UBLVersionID")
VALUE = cbc("Value")

# --- groups the rules name together ---

#: ``cac:InvoiceLine | cac:CreditNoteLine``: the lines of either kind of document.
LINES = (INVOICE_LINE, CREDIT_NOTE_LINE)

#: The amount elements, each with a ``currencyID`` the currency code lists govern (BR-CL-03,
#: PEPPOL-EN16931-CL007/R051), in the order the rules list them.
AMOUNTS = (
    AMOUNT,
    BASE_AMOUNT,
    PRICE_AMOUNT,
    TAX_AMOUNT,
    TAXABLE_AMOUNT,
    LINE_EXTENSION_AMOUNT,
    TAX_EXCLUSIVE_AMOUNT,
    TAX_INCLUSIVE_AMOUNT,
    ALLOWANCE_TOTAL_AMOUNT,
    CHARGE_TOTAL_AMOUNT,
    PREPAID_AMOUNT,
    PAYABLE_ROUNDING_AMOUNT,
    PAYABLE_AMOUNT,
)
