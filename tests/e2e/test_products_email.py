"""A partner's e-mail in a real browser at phone width: the released product's e-mail (through a real
SMTP server on loopback) carries the PDF and the partner's own link; the partner signs in, follows
the link to the product, and the inbox shows the notice as read, without the e-mail-only link line.
axe-core checks every page visited."""

from __future__ import annotations

import re

import pytest

from tests.delivery.conftest import smtp_sink  # noqa: F401 - the real SMTP server fixture

pytestmark = pytest.mark.browser


def test_partner_follows_own_link_from_the_email(phone_page, live_server, make_org, make_user, centers,
                                                 browser_sign_in, check_a11y, smtp_sink):  # noqa: F811
    from fusioncenter.delivery import worker
    from fusioncenter.delivery.models import Delivery, PortalNotice
    from fusioncenter.products import distribution, services
    from fusioncenter.products.models import Receipt

    wsic = make_org("WSIC (e2e mail)", discipline="le_state", county="Dane", center=centers["WSIC"],
                    is_fusion_center=True)
    madison = make_org("Madison PD (e2e mail)", discipline="le_local", county="Dane")
    analyst = make_user("analyst", wsic, username="ana.mail")
    member = make_user("partner_member", madison, username="member.mail")
    title = "Water main break closes Johnson Street"
    product = services.create(analyst, "situational_awareness", {
        "title": title, "sections": {"what": "A water main broke at 07:40; two blocks are closed."},
        "audience": [("organization", str(madison.pk))]})
    product = distribution.publish(analyst, services.submit(analyst, product))
    worker.run(once=True)

    [mail] = smtp_sink.by_rcpt()[member.email]
    [pdf] = list(mail["parsed"].iter_attachments())
    assert pdf.get_filename() == f"{product.number}.pdf" and pdf.get_content().startswith(b"%PDF-")
    text = mail["parsed"].get_body(("plain",)).get_content()
    [path] = re.findall(r"https?://[^/\s]+(/inbox/l/[^/\s]+/)", text)

    browser_sign_in(phone_page, live_server, member)
    phone_page.goto(live_server.url + path)
    phone_page.get_by_role("heading", name=title).wait_for()
    assert phone_page.url.endswith(f"/products/{product.pk}/")
    check_a11y(phone_page)
    assert Receipt.objects.get(product=product, user=member).opened_at is not None
    assert Delivery.objects.get(message__key=f"products.product:{product.pk}:v1:release", channel="email",
                                recipient=member).opened_at is not None

    phone_page.get_by_role("navigation", name="Primary").get_by_role("link", name="Inbox").click()
    check_a11y(phone_page)
    notice = PortalNotice.objects.get(user=member, message__key=f"products.product:{product.pk}:v1:release")
    assert notice.read_at is not None  # the link was the read receipt
    phone_page.goto(live_server.url + f"/inbox/{notice.pk}/")
    check_a11y(phone_page)
    body = phone_page.locator(".notice-body").inner_text()
    assert product.number in body and "/inbox/l/" not in body and "Your own link" not in body
