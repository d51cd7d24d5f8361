"""The product PDF as an e-mail attachment, rendered by the delivery worker at send time.

The outbox stores only `("products.pdf", <product id>)`. For each e-mail recipient the worker calls
`attachment()`, which decides again, at that moment, whether this person may have the file:

* the product is still published (a product withdrawn after it was queued is refused, so the e-mail
  is not sent at all);
* its marking still lets the content travel by e-mail (`distribution.open_marking`);
* `core.access` still lets this recipient view it (an account disabled or a share revoked since).

The PDF is rendered for that recipient (the references they may see), like the PDF page does;
recipients who may see the same references share one rendering (see `_cache`).
"""

from __future__ import annotations

import time

from fusioncenter.core import access
from fusioncenter.delivery.attachments import File, Refused

PROVIDER = "products.pdf"
# Recipients who may see the same references get the same PDF: the worker renders it once per
# product version and reference set (WeasyPrint takes a large fraction of a second per document),
# not once per recipient. Process memory only, a few entries, and looked up only after the checks.
# Entries also expire after a few minutes, so a worker does not keep a purged product's PDF in memory.
CACHE_SIZE = 8
CACHE_SECONDS = 300.0
_cache: dict[tuple, tuple[float, bytes]] = {}


def attachment(ref: str, recipient_id: int | None) -> File:
    from django.contrib.auth import get_user_model

    from . import distribution, pdf, services
    from .models import Product, Status

    product = Product.objects.select_related("product_type", "center").filter(pk=int(ref)).first()
    if product is None:
        raise Refused("gone")
    if product.status != Status.PUBLISHED:
        raise Refused("withdrawn" if product.status == Status.WITHDRAWN else "not_published")
    if not distribution.open_marking(product):
        raise Refused("marking")
    user = get_user_model().objects.filter(pk=recipient_id).first() if recipient_id else None
    if user is None or not access.decide(user, access.VIEW, product).allowed:
        raise Refused("access")
    references, _ = services.references_for(user, product)
    key = (product.pk, product.version, product.updated_at, repr(references))
    now = time.monotonic()
    for stale in [k for k, (at, _) in _cache.items() if now - at > CACHE_SECONDS]:
        del _cache[stale]
    data = _cache[key][1] if key in _cache else None
    if data is None:
        data = pdf.product_pdf(product, references)
        if CACHE_SIZE > 0:
            while len(_cache) >= CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            _cache[key] = (now, data)
    return File(f"{product.number}.pdf", "application/pdf", data)


def register() -> None:
    from fusioncenter.delivery import attachments

    attachments.register(PROVIDER, attachment)
