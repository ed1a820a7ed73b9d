"""The path steps the rules and the invoice model read with: ``first`` and ``first_of`` give
XPath's ``(path)[1]``, the first hit in document order, even where the first element of an
earlier step has no match below it."""

from lxml import etree

from tasks.ehf.xpathfn import children_by_tag, first, first_of, select

DOCUMENT = b"""<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cac:Item><cbc:Description>no name here</cbc:Description></cac:Item>
  <cac:Item><cbc:Name>second item</cbc:Name><cbc:Name>second name</cbc:Name></cac:Item>
  <cac:Item><cbc:Name>third item</cbc:Name></cac:Item>
</Invoice>"""


def _root() -> etree._Element:
    return etree.fromstring(DOCUMENT)


def test_first_is_the_first_hit_in_document_order_across_parents() -> None:
    root = _root()
    assert first(root, "cac:Item/cbc:Name").text == "second item"
    assert first(root, "cac:Item/cbc:Name") is select(root, "cac:Item/cbc:Name")[0]
    assert first(root, "cac:Item/*").text == "no name here"


def test_first_is_none_where_no_path_reaches() -> None:
    root = _root()
    assert first(root, "cac:Item/cbc:ID") is None
    assert first(root, "cac:Price/cbc:PriceAmount") is None


def test_first_of_reads_a_children_index_as_first_reads_the_element() -> None:
    root = _root()
    kids = children_by_tag(root)
    for path in ("cac:Item", "cac:Item/cbc:Name", "cac:Item/cbc:Description", "cac:Item/cbc:ID"):
        assert first_of(kids, path) is first(root, path), path
