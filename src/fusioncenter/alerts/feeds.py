"""The Atom feed of active public alerts (RFC 4287). Each entry links to the alert's public page and
to its CAP document at a stable URL (`/alerts/<id>/cap.xml`, always the latest message)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from lxml import etree

from . import cap
from .content import absolute
from .services import public_alerts

ATOM = "http://www.w3.org/2005/Atom"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed() -> bytes:
    alerts = list(public_alerts().order_by("-updated_at"))
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    self_url = absolute(reverse("alerts:feed"))
    _sub(feed, "id", self_url)
    _sub(feed, "title", f"{settings.FUSIONCENTER_NAME}: active public alerts")
    updated = max((a.updated_at for a in alerts), default=None)
    _sub(feed, "updated", cap.cap_time(updated) if updated else "1970-01-01T00:00:00-00:00")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=absolute(reverse("alerts:public_list")))
    author = _sub(feed, "author")
    _sub(author, "name", settings.FUSIONCENTER_NAME)
    for alert in alerts:
        entry = _sub(feed, "entry")
        page = absolute(reverse("alerts:public_detail", args=[alert.pk]))
        _sub(entry, "id", page)
        _sub(entry, "title", alert.headline)
        _sub(entry, "updated", cap.cap_time(alert.updated_at))
        _sub(entry, "published", cap.cap_time(alert.issued_at))
        _sub(entry, "link", rel="alternate", type="text/html", href=page)
        _sub(
            entry,
            "link",
            rel="alternate",
            type="application/cap+xml",
            href=absolute(reverse("alerts:cap_latest", args=[alert.pk])),
        )
        _sub(entry, "category", term=alert.program.code, label=alert.program.name)
        _sub(entry, "summary", f"{alert.program.name}. Call {alert.public_contact} with information.")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
