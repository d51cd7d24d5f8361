"""Federal and external alerts: CAP and Atom feeds served from a local HTTP server, hostile XML,
uploaded bulletins, and passing an item on in one step with its original markings."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from fusioncenter.core import access
from fusioncenter.products import external
from fusioncenter.products.models import Dissemination, ExternalItem, FeedSubscription

from .conftest import organization_terms

pytestmark = pytest.mark.django_db
CAP_DIR = Path("/work/shared/standards/cap")


def _atom_of_caps() -> bytes:
    entries = []
    for name in ("Oasis_HomelandAlert.xml", "Oasis_ThunderstormWarning.xml"):
        body = (CAP_DIR / name).read_text(encoding="utf-8")
        body = body[body.index("<alert"):]
        entries.append(f"<entry><id>urn:test:{name}</id><title>{name}</title><updated>2026-11-24T10:00:00Z</updated>"
                       f"<content type=\"application/xml\">{body}</content></entry>")
    return ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<id>urn:test:feed</id><title>Test CAP feed</title><updated>2026-11-24T10:00:00Z</updated>"
            + "".join(entries) + "</feed>").encode()


ATOM_PLAIN = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:test:jib</id><title>Joint bulletins</title>
<updated>2026-11-24T10:00:00Z</updated>
<entry><id>urn:jib:1</id><title>Roll Call Release: vehicle ramming</title>
<updated>2026-11-24T09:00:00Z</updated><rights>TLP:GREEN</rights>
<link rel="alternate" href="https://example.test/rcr/1"/>
<summary>Indicators of vehicle ramming attack planning.</summary><author><name>Example Federal Partner</name></author>
</entry></feed>"""

BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol2;</title></feed>"""


@pytest.fixture
def feed_server():
    """A real HTTP server on 127.0.0.1 serving CAP and Atom documents."""
    docs = {
        "/cap/homeland.xml": (CAP_DIR / "Oasis_HomelandAlert.xml").read_bytes(),
        "/atom/caps.xml": _atom_of_caps(),
        "/atom/plain.xml": ATOM_PLAIN,
        "/bomb.xml": BOMB,
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            body = docs.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cap_and_atom_feeds_are_fetched_once(people, feed_server):
    analyst = people["analyst"]
    cap = external.subscribe(analyst, "DHS test alert", f"{feed_server}/cap/homeland.xml", "cap")
    caps = external.subscribe(analyst, "CAP over Atom", f"{feed_server}/atom/caps.xml", "cap")
    plain = external.subscribe(analyst, "Joint bulletins", f"{feed_server}/atom/plain.xml", "atom", "AMBER")
    assert external.fetch(cap) == 1 and external.fetch(caps) == 2 and external.fetch(plain) == 1
    assert external.fetch(caps) == 0  # the same identifiers are not stored twice
    homeland = ExternalItem.objects.get(identifier="43b080713727", subscription=cap)
    assert "Homeland Security" in homeland.originator and homeland.original_marking.startswith("CAP scope: Public")
    assert homeland.tlp == "CLEAR"
    rcr = ExternalItem.objects.get(subscription=plain)
    assert rcr.tlp == "GREEN" and rcr.original_marking == "TLP:GREEN" and rcr.link == "https://example.test/rcr/1"
    assert FeedSubscription.objects.get(pk=caps.pk).last_result.startswith("ok")


def test_hostile_or_missing_feeds_are_recorded_not_raised(people, feed_server):
    bomb = external.subscribe(people["analyst"], "Bomb", f"{feed_server}/bomb.xml", "atom")
    gone = external.subscribe(people["analyst"], "Gone", f"{feed_server}/missing.xml", "atom")
    assert external.fetch(bomb) == 0 and external.fetch(gone) == 0
    bomb.refresh_from_db()
    gone.refresh_from_db()
    assert bomb.last_result.startswith("error") and gone.last_result.startswith("error")
    with pytest.raises(ValidationError):
        external.subscribe(people["analyst"], "Local file", "file:///etc/passwd", "atom")
    with pytest.raises(ValidationError):
        external.parse_document(b"<not-a-feed/>")


def test_pass_on_a_feed_item_in_one_step(people, feed_server):
    sub = external.subscribe(people["analyst"], "Joint bulletins", f"{feed_server}/atom/plain.xml", "atom")
    external.fetch(sub)
    item = ExternalItem.objects.get(subscription=sub)
    included, excluded = external.preview_pass_on(people["analyst"], item, [("center", "WSIC")])
    assert "officer" in {c.user.username for c in included}
    product = external.pass_on(people["analyst"], item, [("center", "WSIC")], note="For patrol briefings.")
    assert product.status == "published" and product.original_marking == "TLP:GREEN"
    assert product.tlp == "GREEN" and product.origin == "Example Federal Partner"
    assert product.sections.get(key="original").portion_marking == "(TLP:GREEN)"
    assert Dissemination.objects.filter(product=product, recipient=people["officer"]).exists()
    with pytest.raises(ValidationError):
        external.pass_on(people["analyst"], item, [("center", "WSIC")])


def test_uploaded_bulletin_keeps_its_marking_and_reaches_only_law_enforcement(people):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    with pytest.raises(ValidationError) as exc:
        external.upload(people["analyst"], "jib.pdf", pdf, {"title": "", "original_marking": ""})
    assert {"title", "original_marking"} <= set(exc.value.error_dict)
    item = external.upload(people["analyst"], "JIB 2026-11.pdf", pdf, {
        "title": "Joint Intelligence Bulletin: threats to election offices", "originator": "DHS and FBI",
        "original_marking": "UNCLASSIFIED//FOR OFFICIAL USE ONLY", "tlp": "AMBER",
        "record_class": "law_enforcement", "les": True})
    product = external.pass_on(people["analyst"], item, organization_terms(people["madison"]),
                               need_to_know="Election-office protection in Dane County.")
    assert product.original_marking == "UNCLASSIFIED//FOR OFFICIAL USE ONLY" and product.les
    assert product.attachments.get().filename == "JIB_2026-11.pdf"
    got = set(Dissemination.objects.filter(product=product).values_list("recipient__username", flat=True))
    assert got == {"officer"}  # the partner member is not law enforcement
    assert not access.decide(people["outsider"], "view", product)


def test_partners_cannot_manage_feeds(people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        external.subscribe(people["officer"], "x", "https://example.test/feed", "atom")
