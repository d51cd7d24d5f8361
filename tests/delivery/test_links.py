"""Personal links: every e-mail (sent to a real SMTP server on loopback) carries a link only its own
recipient can use; its first use is the read receipt. Another user, a forged token, an expired row
and a link to another site all fail without recording anything."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from fusioncenter.core import clock
from fusioncenter.core.models import AuditEntry
from fusioncenter.delivery import links, retention, services, worker
from fusioncenter.delivery.models import Delivery, PortalNotice

pytestmark = pytest.mark.django_db

FIELDS = {"subject": "Bulletin 12 is out",
          "text_body": f"A new bulletin.\n\nYour link: {links.PLACEHOLDER}\n\nTLP:GREEN",
          "html_body": f"<p>A new bulletin.</p>\n<p>Your link: {links.PLACEHOLDER}</p>\n<p>TLP:GREEN</p>"}
LINK = re.compile(r"https?://[^/\s]+(/inbox/l/[^/\s\"<]+/)")


def _link_in(mail) -> str:
    text = mail["parsed"].get_body(("plain",)).get_content()
    html = mail["parsed"].get_body(("html",)).get_content()
    [path] = LINK.findall(text)
    assert path in html and links.PLACEHOLDER not in text + html
    assert text.rstrip().endswith("TLP:GREEN")  # the link sits where the sender put it
    return path


@pytest.fixture
def sent(make_user, smtp_sink):
    pat, lee = make_user("partner_officer", username="pat"), make_user("partner_officer", username="lee")
    message = services.send(FIELDS, [("email", pat.email, pat), ("portal", "", pat),
                                     ("email", lee.email, lee), ("email", "list@example.test", None)],
                            link="/inbox/")
    worker.run(once=True)
    mail = smtp_sink.by_rcpt()
    return {"pat": pat, "lee": lee, "message": message, "mail": mail,
            "pat_link": _link_in(mail[pat.email][0]), "lee_link": _link_in(mail[lee.email][0])}


def test_each_recipient_gets_an_own_link_and_its_first_use_is_the_receipt(sent, signed_in, client):
    pat = sent["pat"]
    assert sent["pat_link"] != sent["lee_link"]
    # An address that is no user gets no link, and no placeholder either.
    plain = sent["mail"]["list@example.test"][0]["parsed"].get_body(("plain",)).get_content()
    assert "/inbox/l/" not in plain and links.PLACEHOLDER not in plain and "Your link" not in plain

    response = signed_in(client, pat).get(sent["pat_link"])

    assert response.status_code == 302 and response["Location"] == "/inbox/"
    row = Delivery.objects.get(message=sent["message"], recipient=pat, channel="email")
    assert row.opened_at is not None
    assert PortalNotice.objects.get(message=sent["message"], user=pat).read_at is not None
    assert AuditEntry.objects.filter(action="delivery.link_opened", object_id=str(row.pk)).count() == 1
    first = row.opened_at
    clock.advance(dt.timedelta(hours=1))
    assert client.get(sent["pat_link"]).status_code == 302
    row.refresh_from_db()
    assert row.opened_at == first  # the first use counts
    assert AuditEntry.objects.filter(action="delivery.link_opened", object_id=str(row.pk)).count() == 1
    # Lee has not opened hers.
    assert Delivery.objects.get(message=sent["message"], recipient=sent["lee"]).opened_at is None


def test_someone_else_forged_or_anonymous_gets_nothing(sent, signed_in):
    lee_client = signed_in(Client(), sent["lee"])
    assert lee_client.get(sent["pat_link"]).status_code == 404
    forged = sent["pat_link"][:-3] + ("A" if sent["pat_link"][-3] != "A" else "B") + sent["pat_link"][-2:]
    assert lee_client.get(forged).status_code == 404
    assert lee_client.get("/inbox/l/not-a-token/").status_code == 404
    anonymous = Client().get(sent["pat_link"])
    assert anonymous.status_code == 302 and "/inbox/l/" in anonymous["Location"]  # to sign-in, then back
    assert not Delivery.objects.filter(message=sent["message"], opened_at__isnull=False).exists()


def test_link_expires_with_the_outbox_retention(sent, settings):
    settings.FUSIONCENTER_DELIVERY_RETENTION_DAYS = 30
    token = sent["pat_link"].rstrip("/").rsplit("/", 1)[1]
    clock.advance(dt.timedelta(days=32))
    retention.expire(clock.today())
    with pytest.raises(links.InvalidLink):
        links.open_link(sent["pat"], token)


def test_portal_copy_drops_the_link_line_and_only_site_paths_are_accepted(sent, make_user):
    notice = PortalNotice.objects.get(message=sent["message"], user=sent["pat"])
    assert "Your link" not in notice.message.portal_text and "A new bulletin." in notice.message.portal_text
    pat = sent["pat"]
    for bad in ("https://evil.example/", "//evil.example/x", "/in box/", "/x\n", ""):
        with pytest.raises(ValidationError):
            services.send(FIELDS, [("email", pat.email, pat)], link=bad)
