"""Printable posters of a public listing, in English and Spanish: HTML rendered to PDF with WeasyPrint.

The poster reads the listing (public fields only). Its photo is inlined as a data URI and the URL
fetcher allows data: URIs only, so rendering fetches nothing from the network or the disk.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from fusioncenter.core.site import absolute_url

from . import photos, public
from .models import PublicListing

LANGUAGES = ("en", "es")

TEXT = {
    "en": {
        "missing": "MISSING",
        "child": "MISSING CHILD",
        "adult": "MISSING ADULT",
        "last_seen": "Last seen",
        "circumstances": "Circumstances",
        "call": "If you have information, call",
        "or": "or send a sighting at",
        "photo": "Photo taken",
        "case": "Case",
        "agency": "Investigating agency",
        "alt": "Photo of",
        "emergency": "If you see this person now, call 911.",
    },
    "es": {
        "missing": "DESAPARECIDO",
        "child": "MENOR DESAPARECIDO",
        "adult": "ADULTO DESAPARECIDO",
        "last_seen": "Visto por última vez",
        "circumstances": "Circunstancias",
        "call": "Si tiene información, llame al",
        "or": "o envíe un avistamiento en",
        "photo": "Foto tomada el",
        "case": "Caso",
        "agency": "Agencia investigadora",
        "alt": "Foto de",
        "emergency": "Si ve a esta persona ahora, llame al 911.",
    },
}


def poster_html(listing: PublicListing, lang: str = "en") -> str:
    if lang not in LANGUAGES:
        raise ValueError(lang)
    c = listing.content
    photo_uri = ""
    if listing.photo_id:
        photo_uri = "data:image/jpeg;base64," + base64.b64encode(photos.read(listing.photo)).decode()
    taken = listing.photo_taken_on
    taken_text = ""
    if taken:
        taken_text = taken.strftime("%m/%d/%Y") if lang == "en" else taken.strftime("%d/%m/%Y")
    page = absolute_url(reverse("clearinghouse:public_detail", args=[listing.case_id]))
    return render_to_string(
        "clearinghouse/poster.html",
        {
            "lang": lang,
            "t": TEXT[lang],
            "c": c,
            "kind": TEXT[lang]["child" if c.get("person_type") == "child" else "adult"],
            "rows": public.descriptors(c, lang),
            "last_seen": public.last_seen_text(c, lang),
            "photo_uri": photo_uri,
            "photo_taken": taken_text,
            "agency": listing.agency_name,
            "page_url": page,
            "center": settings.FUSIONCENTER_NAME,
        },
    )


def poster_pdf(listing: PublicListing, lang: str = "en") -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=poster_html(listing, lang), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
