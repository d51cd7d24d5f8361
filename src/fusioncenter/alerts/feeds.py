"""The Atom feed of active public alerts (RFC 4287). Each entry links to the alert's public page and
to its CAP document at a stable URL (`/alerts/<id>/cap.xml`, always the latest message). Times are
written as CAP writes them (local time with its offset)."""

from __future__ import annotations

from django.urls import reverse

from fusioncenter.core import atom

from . import cap
from .services import public_alerts


def atom_feed() -> bytes:
    alerts = list(public_alerts().order_by("-updated_at"))
    root = atom.feed("active public alerts", atom.absolute_url(reverse("alerts:feed")),
                     atom.absolute_url(reverse("alerts:public_list")),
                     max((a.updated_at for a in alerts), default=None), time=cap.cap_time)
    for alert in alerts:
        page = atom.absolute_url(reverse("alerts:public_detail", args=[alert.pk]))
        entry = atom.entry(root, page, alert.headline, alert.updated_at, alert.issued_at, time=cap.cap_time)
        atom.sub(entry, "link", rel="alternate", type="application/cap+xml",
                 href=atom.absolute_url(reverse("alerts:cap_latest", args=[alert.pk])))
        atom.sub(entry, "category", term=alert.program.code, label=alert.program.name)
        atom.sub(entry, "summary", f"{alert.program.name}. Call {alert.public_contact} with information.")
    return atom.serialize(root)
