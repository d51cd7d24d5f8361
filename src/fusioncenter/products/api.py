"""Products API (/api/v1/products): what the caller may see, one product, its PDF.

A product outside the caller's reach answers 404, as if it did not exist (`core.access` decides;
`AccessDenied` is turned into 404 by the API's handler).
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from fusioncenter.core.requestinfo import source_address

from . import render, services
from .models import Product, Status

PREFIX = "/products"
router = Router(tags=["products"])


class SectionOut(Schema):
    key: str
    title: str
    portion_marking: str
    markdown: str
    html: str


class ReferenceOut(Schema):
    label: str
    url: str
    note: str


class ProductSummary(Schema):
    id: int
    number: str
    type: str
    title: str
    status: str
    version: int
    tlp: str
    les: bool
    cui: str
    record_class: str
    banner: str
    published_at: dt.datetime | None
    expires_at: dt.datetime | None


class ProductOut(ProductSummary):
    center: str | None
    original_marking: str
    origin: str
    withdrawn_reason: str
    sections: list[SectionOut]
    references: list[ReferenceOut]
    hidden_references: int
    pdf: str


class PageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ProductSummary]


def _summary(p: Product) -> dict:
    return {"id": p.pk, "number": p.number, "type": p.product_type.code, "title": p.title, "status": p.status,
            "version": p.version, "tlp": p.tlp, "les": p.les, "cui": p.cui, "record_class": p.record_class,
            "banner": render.banner(p), "published_at": p.published_at, "expires_at": p.expires_at}


class ListQuery(Schema):
    type: str = Field("", max_length=40, description="Product type code")
    status: str = Field("", max_length=24)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


@router.get("", response=PageOut, summary="Products the caller may see, newest first (filters: type, status)")
def list_products(request: HttpRequest, q: Query[ListQuery]):
    qs = services.visible_products(request.user)
    if q.type:
        qs = qs.filter(product_type__code=q.type)
    if q.status:
        qs = qs.filter(status=q.status)
    paginator = Paginator(qs, q.page_size)
    current = paginator.get_page(q.page)
    return {"count": paginator.count, "page": current.number, "pages": paginator.num_pages,
            "items": [_summary(p) for p in current]}


@router.get("/{product_id}", response=ProductOut, summary="One product, with the references the caller may see")
def get_product(request: HttpRequest, product_id: int):
    product = services.get_for(request.user, product_id, source_address=source_address(request))
    if services.is_recipient(request.user, product):
        services.record_open(request.user, product)
    hidden_content = product.status == Status.WITHDRAWN and not request.user.is_center_staff
    references, hidden = services.references_for(request.user, product)
    sections = [] if hidden_content else [
        {"key": s.key, "title": s.title, "portion_marking": s.portion_marking, "markdown": s.body,
         "html": render.markdown_html(s.body)} for s in product.sections.all()]
    return {**_summary(product), "center": product.center.code if product.center else None,
            "original_marking": product.original_marking, "origin": product.origin,
            "withdrawn_reason": product.withdrawn_reason, "sections": sections, "references": references,
            "hidden_references": hidden, "pdf": f"/api/v1/products/{product.pk}/pdf"}


@router.get("/{product_id}/pdf", summary="The product's PDF, with its banner markings on every page",
            response={200: None})
def get_pdf(request: HttpRequest, product_id: int):
    from django.http import Http404

    from . import pdf

    product = services.get_for(request.user, product_id, source_address=source_address(request))
    if product.status == Status.WITHDRAWN and not request.user.is_center_staff:
        raise Http404
    references, _ = services.references_for(request.user, product)
    response = HttpResponse(pdf.product_pdf(product, references), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{product.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
