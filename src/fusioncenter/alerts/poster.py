"""The printable poster of a public alert: an HTML template rendered to PDF with WeasyPrint.

The poster reads the public `Alert` only. Its photo is inlined as a data URI, so WeasyPrint never
fetches anything over the network.
"""

from __future__ import annotations

import base64

from django.template.loader import render_to_string

from . import photos
from .content import absolute, public_description
from .models import Alert


def poster_html(alert: Alert) -> str:
    photo_uri = ""
    if alert.photo_id:
        photo_uri = f"data:{alert.photo.mime_type};base64," + base64.b64encode(photos.read(alert.photo)).decode()
    from django.urls import reverse

    return render_to_string(
        "alerts/poster.html",
        {
            "alert": alert,
            "photo_uri": photo_uri,
            "description": public_description(alert),
            "page_url": absolute(reverse("alerts:public_detail", args=[alert.pk])),
        },
    )


def poster_pdf(alert: Alert) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # data: URIs only: the poster fetches nothing from the network or the file system.
    return HTML(string=poster_html(alert), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
