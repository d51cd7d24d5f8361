"""The behavior categories are data, and their codes are exactly the NIEM SAR code list."""

from pathlib import Path

from lxml import etree

from fusioncenter.sar import categories

NIEM = Path(__file__).resolve().parents[3] / "shared" / "standards" / "niem-5.2" / "xsd"
XS = "{http://www.w3.org/2001/XMLSchema}"


def niem_codes() -> set[str]:
    tree = etree.parse(str(NIEM / "codes" / "sar.xsd"), etree.XMLParser(resolve_entities=False, no_network=True))
    simple = tree.find(f"{XS}simpleType[@name='SuspiciousActivityCodeSimpleType']")
    return {e.get("value") for e in simple.iter(f"{XS}enumeration")}


def test_sixteen_codes_match_the_niem_enumeration():
    assert len(categories.codes()) == 16
    assert set(categories.codes()) == niem_codes()


def test_groups_and_additional_facts_follow_the_standard():
    table = categories.by_code()
    assert {c for c, v in table.items() if v.group == "A"} == {
        "INTRSN", "MISREP", "THEFT", "SABOT", "CYBER", "THREAT", "AVIATION"}
    assert all(v.requires_additional_facts == (v.group == "B") for v in table.values())
    assert all(len(v.definition) > 20 and v.label for v in table.values())


def test_needing_facts_lists_group_b_only():
    assert categories.needing_facts(["PHOTO", "THREAT", "SURVL"]) == ["PHOTO", "SURVL"]
