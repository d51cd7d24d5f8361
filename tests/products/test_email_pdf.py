"""The product PDF by e-mail, through the outbox to a real SMTP server (aiosmtpd on loopback): attached
where the marking lets the content travel, a link only where it does not, and not sent at all when
the product was withdrawn before the worker got to it."""

from __future__ import annotations

import pytest

from fusioncenter.delivery import worker
from fusioncenter.delivery.models import Delivery, Message, Status
from fusioncenter.products import distribution, services

pytestmark = pytest.mark.django_db

OPEN = {"title": "Power outage in downtown Madison",
        "sections": {"what": "Substation fire on East Washington; 4,000 customers without power."}}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _open_product(people):
    p = services.create(people["analyst"], "situational_awareness",
                        {**OPEN, "audience": [("organization", str(people["madison"].pk))]})
    p = services.submit(people["analyst"], p)
    assert distribution.open_marking(p)
    return distribution.publish(people["analyst"], p)


def _attachments(mail) -> list:
    return list(mail["parsed"].iter_attachments())


def test_open_marking_pdf_arrives_as_an_attachment(people, smtp_sink):
    p = _open_product(people)
    message = Message.objects.get(key=f"products.product:{p.pk}:v1:release")
    assert (message.attachment_provider, message.attachment_ref) == ("products.pdf", str(p.pk))

    worker.run(once=True)

    [mail] = smtp_sink.by_rcpt()[people["member"].email]
    [part] = _attachments(mail)
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == f"{p.number}.pdf"
    data = part.get_content()
    assert data.startswith(b"%PDF-") and len(data) > 1000
    assert "The PDF is attached." in mail["parsed"].get_body(("html",)).get_content()
    # The outbox never held the file: only the reference is stored.
    row = Message.objects.filter(pk=message.pk).values().first()
    assert not any(isinstance(v, (bytes, memoryview)) for v in row.values())
    assert "Substation fire" not in " ".join(str(v) for v in row.values())


def test_restricted_marking_carries_a_link_only(people, published, smtp_sink):
    p = published()  # TLP:AMBER, LES
    assert not distribution.open_marking(p)
    message = Message.objects.get(key=f"products.product:{p.pk}:v1:release")
    assert message.attachment_provider == "" and message.attachment_ref == ""
    worker.run(once=True)
    [mail] = smtp_sink.by_rcpt()[people["officer"].email]
    assert _attachments(mail) == []
    body = mail["parsed"].get_body(("plain",)).get_content()
    assert f"/products/{p.pk}/" in body and "/pdf/" not in body


def test_product_withdrawn_before_sending_is_not_sent(people, smtp_sink):
    p = _open_product(people)
    distribution.withdraw(people["analyst"], p, "Facts superseded by the utility's statement.")

    worker.run(once=True)

    release = Message.objects.get(key=f"products.product:{p.pk}:v1:release")
    row = Delivery.objects.get(message=release, channel="email", recipient=people["member"])
    assert (row.status, row.last_error) == (Status.FAILED, "attachment_withdrawn")
    mails = smtp_sink.by_rcpt()[people["member"].email]
    assert len(mails) == 1 and "WITHDRAWN" in mails[0]["subject"]
    assert _attachments(mails[0]) == []
    assert "/pdf/" not in mails[0]["parsed"].get_body(("plain",)).get_content()


def test_recipient_who_lost_access_before_sending_gets_no_pdf(people, smtp_sink):
    p = _open_product(people)
    member = people["member"]
    member.is_active = False
    member.save(update_fields=["is_active"])

    worker.run(once=True)

    row = Delivery.objects.get(message__key=f"products.product:{p.pk}:v1:release", channel="email",
                               recipient=member)
    assert (row.status, row.last_error) == (Status.FAILED, "attachment_access")
    assert member.email not in smtp_sink.by_rcpt()


def test_personal_link_opens_the_product_and_records_the_receipt(people, published, smtp_sink, client, signed_in):
    import re

    from django.test import Client

    from fusioncenter.delivery.models import PortalNotice
    from fusioncenter.products.models import Receipt

    p = published()
    worker.run(once=True)
    officer = people["officer"]
    [mail] = smtp_sink.by_rcpt()[officer.email]
    text = mail["parsed"].get_body(("plain",)).get_content()
    [path] = re.findall(r"https?://[^/\s]+(/inbox/l/[^/\s]+/)", text)
    assert text.strip().endswith("TLP:AMBER | LAW ENFORCEMENT SENSITIVE")
    # The inbox copy has no personal link line.
    notice = PortalNotice.objects.get(user=officer, message__key=f"products.product:{p.pk}:v1:release")
    assert "/inbox/l/" not in notice.message.portal_text and "Your own link" not in notice.message.portal_text

    other = signed_in(Client(), people["supervisor"])
    assert other.get(path).status_code == 404
    response = signed_in(client, officer).get(path)
    assert response.status_code == 302 and response["Location"] == f"/products/{p.pk}/"
    assert client.get(response["Location"]).status_code == 200
    receipt = Receipt.objects.get(product=p, user=officer)
    assert receipt.opened_at is not None
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert Delivery.objects.get(message=notice.message, channel="email", recipient=officer).opened_at is not None
