"""PFIF 1.4 and CSV exchange: round trips field by field, hostile XML, and the API document."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from lxml import etree

from fusioncenter.clearinghouse import exchange, services
from fusioncenter.clearinghouse.models import MissingPersonCase

from .conftest import assert_no_markers

pytestmark = pytest.mark.django_db
NS = {"p": "http://zesty.ca/pfif/1.4"}
MULTILINE = "scar above right eyebrow\nbutterfly tattoo on ankle"


def same(a, b, fields):
    for name in fields:
        assert getattr(a, name) == getattr(b, name), f"{name}: {getattr(a, name)!r} != {getattr(b, name)!r}"


def test_pfif_round_trip_keeps_every_field_pfif_holds(make_case, officer, agency):
    original = make_case(scars_marks_tattoos=MULTILINE)
    xml = exchange.export_pfif(officer)
    root = etree.fromstring(xml)
    person = root.find("p:person", NS)
    assert person.find("p:person_record_id", NS).text == f"mp.example.test/case.{original.pk}"
    assert person.find("p:note/p:status", NS).text == "believed_missing"
    assert_no_markers(xml, "PFIF export")
    imported = exchange.import_pfif(officer, xml, agency)
    assert len(imported) == 1 and imported[0].pk != original.pk
    copy = MissingPersonCase.objects.get(pk=imported[0].pk)
    same(original, copy, exchange.PFIF_FIELDS)
    # Importing the same document again updates the imported case instead of duplicating it.
    again = exchange.import_pfif(officer, xml, agency)
    assert again[0].pk == copy.pk and MissingPersonCase.objects.count() == 2


def test_pfif_carries_the_status(make_case, officer, agency):
    services.change_status(officer, make_case(), "deceased", note="")
    xml = exchange.export_pfif(officer)
    assert b"believed_dead" in xml
    copy = exchange.import_pfif(officer, xml, agency)[0]
    assert copy.status == "deceased" and copy.resolved_at is not None


def test_csv_round_trip_keeps_every_field(make_case, officer, agency):
    original = make_case(
        scars_marks_tattoos=MULTILINE,
        cognitive_impairment=False,
        veteran_or_service_member=None,
        alternate_names='=HYPERLINK("x")',
    )
    text = exchange.export_csv(officer)
    assert "'=HYPERLINK" in text  # spreadsheet formula neutralised
    imported = exchange.import_csv(officer, text, agency)
    copy = MissingPersonCase.objects.get(pk=imported[0].pk)
    same(original, copy, exchange.CSV_FIELDS)


def test_fields_both_formats_hold_survive_csv_then_pfif(make_case, officer, agency):
    original = make_case()
    from_csv = exchange.import_csv(officer, exchange.export_csv(officer), agency)[0]
    MissingPersonCase.objects.exclude(pk=from_csv.pk).update(status="closed")
    xml = exchange.export_pfif(officer)
    root = etree.fromstring(xml)
    assert len(root.findall("p:person", NS)) == 2  # closed cases still exchange; status says closed
    final = exchange.parse_pfif(xml)
    mine = next(r for r in final if r["record_id"] == from_csv.external_id)
    for name in set(exchange.PFIF_FIELDS) & set(exchange.CSV_FIELDS) - {"status"}:
        assert mine[name] == getattr(original, name), name


def test_hostile_and_bad_xml_is_refused(officer, agency):
    xxe = b"""<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person><pfif:person_record_id>a/b</pfif:person_record_id>
<pfif:full_name>&x;</pfif:full_name></pfif:person></pfif:pfif>"""
    for data, words in (
        (xxe, "without a DTD"),
        (b"<not-closed", "well-formed"),
        (b"<pfif xmlns='urn:other'/>", "Not a PFIF 1.4 document"),
    ):
        with pytest.raises(ValidationError) as err:
            exchange.import_pfif(officer, data, agency)
        assert words in err.value.message_dict["file"][0]
    bad_id = b"""<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>
<pfif:person_record_id>noslash</pfif:person_record_id></pfif:person></pfif:pfif>"""
    with pytest.raises(ValidationError):
        exchange.import_pfif(officer, bad_id, agency)
    assert not MissingPersonCase.objects.exists()


def test_one_bad_record_imports_nothing(officer, agency):
    doc = b"""<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
<pfif:person><pfif:person_record_id>x.test/1</pfif:person_record_id><pfif:source_date>2025-01-01T00:00:00Z</pfif:source_date>
<pfif:full_name>Ok Person</pfif:full_name><pfif:age>30</pfif:age>
<pfif:note><pfif:note_record_id>x.test/n1</pfif:note_record_id>
<pfif:last_known_location>Main St</pfif:last_known_location></pfif:note></pfif:person>
<pfif:person><pfif:person_record_id>x.test/2</pfif:person_record_id><pfif:source_date>2025-01-01T00:00:00Z</pfif:source_date>
<pfif:full_name>No Place</pfif:full_name></pfif:person></pfif:pfif>"""
    with pytest.raises(ValidationError) as err:
        exchange.import_pfif(officer, doc, agency)
    assert "Record 2" in str(err.value)
    assert not MissingPersonCase.objects.exists()


def test_import_needs_a_law_enforcement_user(make_user, agency):
    with pytest.raises(PermissionDenied):
        exchange.import_csv(make_user("partner_member", agency), "given_name,family_name,last_seen_at\n", agency)


def test_api_pfif_public_and_with_token(client, released_case, make_case, officer, other_officer, api_token):
    hidden = make_case(given_name="Hidden")
    public = client.get("/api/v1/missing-persons/pfif")
    assert public.status_code == 200 and public["Content-Type"].startswith("application/xml")
    assert b"Tess" in public.content and b"Hidden" not in public.content
    assert_no_markers(public.content, "anonymous PFIF")
    mine = client.get("/api/v1/missing-persons/pfif", HTTP_AUTHORIZATION=f"Bearer {api_token(officer)}")
    assert b"Hidden" in mine.content and b"LAW ENFORCEMENT SENSITIVE" in mine.content
    assert f"case.{hidden.pk}".encode() in mine.content
    theirs = client.get("/api/v1/missing-persons/pfif", HTTP_AUTHORIZATION=f"Bearer {api_token(other_officer)}")
    assert b"Hidden" not in theirs.content and b"Tess" not in theirs.content
    bad = client.get("/api/v1/missing-persons/pfif", HTTP_AUTHORIZATION="Bearer nonsense")
    assert bad.status_code == 401


def test_api_cases_and_match(client, released_case, officer, api_token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(officer)}"}
    assert client.get("/api/v1/missing-persons/cases").status_code == 401
    cases = client.get("/api/v1/missing-persons/cases", **auth).json()
    assert [c["reference"] for c in cases] == [released_case.reference]
    found = client.get("/api/v1/missing-persons/match?sex=female&age_min=12&age_max=17&eye_color=blue", **auth).json()
    assert found[0]["case_id"] == released_case.pk and found[0]["factors"]


def test_export_pages(client, signed_in, make_case, officer):
    make_case()
    c = signed_in(client, officer)
    assert c.get("/missing/exchange/").status_code == 200
    csv_response = c.get("/missing/exchange/export.csv")
    assert csv_response.status_code == 200 and b"MARKER-NOTES-Q1" in csv_response.content
    assert c.get("/missing/exchange/export.pfif.xml").status_code == 200
