"""The PDF of a product (WeasyPrint): banner markings at the top and bottom of every page (page
margin boxes, so they repeat however long the product is), the TLP label right-aligned in header and
footer as TLP 2.0 asks, portion marks on each section, and the handling notice.

Only `data:` URLs are fetched while rendering: images are embedded from storage, and nothing an
author wrote can make the renderer reach the network or the file system.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.template.loader import render_to_string

from fusioncenter.core import clock

from . import files, render
from .models import Product


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def product_html(product: Product, references: list[dict] | None = None) -> str:
    images = []
    for att in product.attachments.all():
        if att.is_image:
            try:
                data = base64.b64encode(files.read(att.uuid)).decode()
            except OSError:
                continue
            images.append({"src": f"data:{att.content_type};base64,{data}", "caption": att.caption or att.filename})
    banner = render.banner(product)
    return render_to_string("products/pdf.html", {
        "product": product,
        "banner": banner,
        "banner_css": _css_string(banner),
        "tlp_css": _css_string(f"TLP:{product.tlp}"),
        "sections": [{"s": s, "html": render.markdown_html(s.body)} for s in product.sections.all()],
        "images": images,
        "references": references or [],
        "handling_notice": settings.FUSIONCENTER_HANDLING_NOTICE,
        "center_name": product.center.name if product.center else settings.FUSIONCENTER_NAME,
        "generated": clock.now(),
    })


def product_pdf(product: Product, references: list[dict] | None = None) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=product_html(product, references),
                url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
