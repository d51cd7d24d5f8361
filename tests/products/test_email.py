"""The e-mail a recipient gets, sent through the outbox to a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import pytest

from fusioncenter.delivery import worker
from fusioncenter.products import distribution, services

pytestmark = pytest.mark.django_db


def test_les_product_email_carries_a_link_not_the_content(people, published, smtp_sink):
    p = published()
    stats = worker.run(once=True)
    assert stats.sent >= 2  # portal notice and e-mail
    mail = smtp_sink.by_rcpt()[people["officer"].email]
    assert len(mail) == 1
    subject, body = mail[0]["subject"], mail[0]["parsed"].get_body(("plain",)).get_content()
    assert subject.startswith("[TLP:AMBER]") and p.number in subject and p.title not in subject
    assert f"/products/{p.pk}/" in body and "copper" not in body.lower()
    assert body.strip().endswith("TLP:AMBER | LAW ENFORCEMENT SENSITIVE")
    assert people["outsider"].email not in smtp_sink.by_rcpt()


def test_open_marking_email_carries_title_and_pdf_link_and_withdrawal_follows(people, smtp_sink):
    p = services.create(people["analyst"], "situational_awareness", {
        "title": "Power outage in downtown Madison", "sections": {"what": "Substation fire; 4,000 customers."},
        "audience": [("organization", str(people["madison"].pk))]})
    p = services.submit(people["analyst"], p)
    distribution.publish(people["analyst"], p)
    worker.run(once=True)
    first = smtp_sink.by_rcpt()[people["member"].email][0]
    assert "Power outage in downtown Madison" in first["subject"]
    assert f"/products/{p.pk}/pdf/" in first["parsed"].get_body(("plain",)).get_content()
    distribution.withdraw(people["analyst"], p, "Facts superseded.")
    worker.run(once=True)
    mails = smtp_sink.by_rcpt()[people["member"].email]
    assert len(mails) == 2 and "WITHDRAWN" in mails[1]["subject"]
