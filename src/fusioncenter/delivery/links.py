"""Personal links: each e-mail recipient's copy carries a link only that recipient can use.

A message sent with `link="/products/12/"` gets, in every e-mail, `<base URL>/inbox/l/<token>/`
where the sender's text has `PLACEHOLDER` (else at the end); portal and SMS copies drop that line.
The token is the delivery id signed with the site's secret key (`django.core.signing`, its own
salt), so nothing is stored and it cannot be forged or moved to another delivery. Opening it
requires sign-in, and it works only for the delivery's own recipient: anyone else (a colleague
the e-mail was forwarded to) gets the same 404 as for a made-up token and no receipt is recorded.
The first use is the read receipt of that e-mail (`Delivery.opened_at`); it also marks the
recipient's inbox notice of the same message read, and the user is sent on to the message's link
path, where the owning app records its own receipt (a product's `Receipt`).

A link stops working after the outbox retention period, when the row's address is blanked.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from fusioncenter.core import audit, clock
from fusioncenter.core.site import absolute_url

from . import conf
from .models import Delivery, PortalNotice

SALT = "fusioncenter.delivery.personal-link"
PLACEHOLDER = "[[personal-link]]"
_PATH = re.compile(r"^/[A-Za-z0-9/_.~%?=&+-]{0,299}$")


def clean_path(path: Any) -> str:
    """A site-relative path (never another site: no scheme, no '//'), one line, at most 300 characters."""
    value = str(path or "")
    if not _PATH.fullmatch(value) or value.startswith("//"):
        raise ValidationError({"link": ["The link must be a path on this site, such as /products/12/."]},
                              code="invalid")
    return value


def fill_text(text: str, url: str | None) -> str:
    """Put the link where the sender wrote PLACEHOLDER (else at the end); without a link (a portal
    notice, an SMS, an address that is no user), drop the lines that would have held it."""
    if url is None:
        return "\n".join(line for line in text.split("\n") if PLACEHOLDER not in line)
    if PLACEHOLDER in text:
        return text.replace(PLACEHOLDER, url)
    return f"{text}\n\nYour own link (only you can use it): {url}"


def fill_html(html: str, url: str | None) -> str:
    if url is None:
        return "\n".join(line for line in html.split("\n") if PLACEHOLDER not in line)
    anchor = f'<a href="{escape(url)}">{escape(url)}</a>'
    if PLACEHOLDER in html:
        return html.replace(PLACEHOLDER, anchor)
    return f"{html}\n<p>Your own link (only you can use it): {anchor}</p>"


def token_for(delivery_id: int) -> str:
    return signing.dumps(delivery_id, salt=SALT)


def url_for(delivery_id: int) -> str:
    return absolute_url(reverse("delivery:link", args=[token_for(delivery_id)]))


class InvalidLink(Exception):
    """Forged, expired, or not this user's: the view answers 404 whichever it is."""


def open_link(user: Any, token: str, source_address: str | None = None) -> str:
    """Record the read receipt for the signed-in user's own link; return where to send them."""
    max_age = dt.timedelta(days=int(conf.get("FUSIONCENTER_DELIVERY_RETENTION_DAYS")))
    try:
        delivery_id = int(signing.loads(token, salt=SALT, max_age=max_age))
    except (signing.BadSignature, TypeError, ValueError):
        raise InvalidLink
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update().select_related("message")
                    .filter(pk=delivery_id, recipient_id=user.pk).exclude(address="").first())
        if delivery is None:
            raise InvalidLink
        if delivery.opened_at is None:
            now = clock.now()
            delivery.opened_at = now
            delivery.save(update_fields=["opened_at"])
            PortalNotice.objects.filter(message_id=delivery.message_id, user=user, read_at__isnull=True).update(
                read_at=now)
            audit.record(user, "delivery.link_opened", delivery, source_address=source_address,
                         detail={"message": delivery.message_id})
    return delivery.message.link_path or reverse("delivery:inbox")
