"""The Atom feed (RFC 4287) of the cases released to the public. A resolved case leaves the feed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from lxml import etree

from .services import public_listings

ATOM = "http://www.w3.org/2005/Atom"


def _abs(path: str) -> str:
    return settings.FUSIONCENTER_BASE_URL.rstrip("/") + path


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent, tag: str, text: str | None = None, **attrs: str):
    el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed() -> bytes:
    listings = list(public_listings().order_by("-updated_at"))
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    self_url = _abs(reverse("clearinghouse:feed"))
    _sub(feed, "id", self_url)
    _sub(feed, "title", f"{settings.FUSIONCENTER_NAME}: missing children and adults")
    updated = max((x.updated_at for x in listings), default=None)
    _sub(feed, "updated", _time(updated) if updated else "1970-01-01T00:00:00Z")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=_abs(reverse("clearinghouse:public_list")))
    author = _sub(feed, "author")
    _sub(author, "name", settings.FUSIONCENTER_NAME)
    for listing in listings:
        c = listing.content
        page = _abs(reverse("clearinghouse:public_detail", args=[listing.case_id]))
        entry = _sub(feed, "entry")
        _sub(entry, "id", page)
        _sub(entry, "title", f"Missing: {c.get('full_name', '')}")
        _sub(entry, "updated", _time(listing.updated_at))
        _sub(entry, "published", _time(listing.published_at))
        _sub(entry, "link", rel="alternate", type="text/html", href=page)
        _sub(
            entry,
            "link",
            rel="enclosure",
            type="application/pdf",
            href=_abs(reverse("clearinghouse:poster", args=[listing.case_id, "en"])),
        )
        place = ", ".join(
            x for x in (c.get("last_seen_place"), listing.county_name and f"{listing.county_name} County") if x
        )
        _sub(entry, "summary", f"Last seen at {place}. Call {c.get('public_contact', '')} with information.")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
