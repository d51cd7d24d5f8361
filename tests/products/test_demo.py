"""The products demo: one fictional product of each type, different audiences and markings; idempotent."""

import io

import pytest

from fusioncenter.products import demo
from fusioncenter.products.models import Dissemination, Feedback, Product, ProductType


@pytest.mark.django_db
def test_demo_loads_each_type_once(wisconsin):
    from fusioncenter.core import demo as core_demo

    core_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    released = Product.objects.filter(status="published")
    assert set(released.values_list("product_type__code", flat=True)) == set(
        ProductType.objects.values_list("code", flat=True))
    assert len(set(released.values_list("tlp", flat=True))) >= 3
    assert Product.objects.filter(status="peer_review").count() == 1
    assert all(p.title.endswith("(demo)") for p in Product.objects.all())
    assert Dissemination.objects.values("recipient").distinct().count() >= 5
    assert Feedback.objects.count() == released.count()
    n = Product.objects.count()
    demo.load(out)
    assert Product.objects.count() == n and "already loaded" in out.getvalue()
