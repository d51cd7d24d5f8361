"""The Atom feed (RFC 4287) of the cases released to the public. A resolved case leaves the feed."""

from __future__ import annotations

from django.urls import reverse

from fusioncenter.core import atom

from .services import public_listings


def atom_feed() -> bytes:
    listings = list(public_listings().order_by("-updated_at"))
    root = atom.feed("missing children and adults", atom.absolute_url(reverse("clearinghouse:feed")),
                     atom.absolute_url(reverse("clearinghouse:public_list")),
                     max((x.updated_at for x in listings), default=None))
    for listing in listings:
        c = listing.content
        page = atom.absolute_url(reverse("clearinghouse:public_detail", args=[listing.case_id]))
        entry = atom.entry(root, page, f"Missing: {c.get('full_name', '')}", listing.updated_at,
                           listing.published_at)
        atom.sub(entry, "link", rel="enclosure", type="application/pdf",
                 href=atom.absolute_url(reverse("clearinghouse:poster", args=[listing.case_id, "en"])))
        place = ", ".join(
            x for x in (c.get("last_seen_place"), listing.county_name and f"{listing.county_name} County") if x
        )
        atom.sub(entry, "summary", f"Last seen at {place}. Call {c.get('public_contact', '')} with information.")
    return atom.serialize(root)
