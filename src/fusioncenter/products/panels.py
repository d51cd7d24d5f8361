"""The home-page panel: products waiting for my review, and new products I received and not opened."""

from __future__ import annotations

from django.urls import reverse

from . import services
from .models import Receipt


def products_panel(user) -> dict | None:
    if not getattr(user, "is_authenticated", False):
        return None
    unread = Receipt.objects.filter(user=user, opened_at__isnull=True,
                                    product__in=services.visible_products(user).values("pk")).count()
    items = [{"label": "Products you have not opened", "value": unread, "url": reverse("products:list")}]
    if user.is_center_staff:
        items.append({"label": "Waiting for your review", "value": services.reviewable_by(user).count(),
                      "url": reverse("products:list")})
    links = [{"label": "All products", "url": reverse("products:list")}]
    if services.is_worker(user):
        links.append({"label": "Send a quick situation report", "url": reverse("products:quick")})
    return {"title": "Intelligence products", "items": items, "links": links}
