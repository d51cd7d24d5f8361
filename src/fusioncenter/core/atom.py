"""Atom feeds (RFC 4287) of what the center publishes to the public: active alerts, missing persons.

Why one module: every public feed needs the same frame (id, title, updated, self and page links, the
center as author) and entries built the same way; each app says only what its entries hold. Text goes
through lxml, so nothing a member of the public wrote can break the XML or inject markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from lxml import etree

from .site import absolute_url  # noqa: F401 - feeds build their links with it

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def utc_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """An Atom child element (`text` escaped by lxml)."""
    el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def feed(title: str, self_url: str, page_url: str, updated: dt.datetime | None,
         time: Callable[[dt.datetime], str] = utc_time) -> etree._Element:
    """The feed element with its id, title, updated time, links and author (the center)."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    sub(root, "id", self_url)
    sub(root, "title", f"{settings.FUSIONCENTER_NAME}: {title}")
    sub(root, "updated", time(updated or EPOCH))
    sub(root, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(root, "link", rel="alternate", type="text/html", href=page_url)
    author = sub(root, "author")
    sub(author, "name", settings.FUSIONCENTER_NAME)
    return root


def entry(root: etree._Element, page_url: str, title: str, updated: dt.datetime, published: dt.datetime,
          time: Callable[[dt.datetime], str] = utc_time) -> etree._Element:
    """One entry, identified by and linked to its public page."""
    el = sub(root, "entry")
    sub(el, "id", page_url)
    sub(el, "title", title)
    sub(el, "updated", time(updated))
    sub(el, "published", time(published))
    sub(el, "link", rel="alternate", type="text/html", href=page_url)
    return el


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
