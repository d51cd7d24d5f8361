import io

import pytest

from fusioncenter.entities import demo
from fusioncenter.entities.models import ImportBatch, Mention

pytestmark = pytest.mark.django_db


def test_demo_loads_once(make_user, make_org):
    make_user("analyst")
    make_org("Demo Sheriff")
    out = io.StringIO()
    demo.load(out)
    assert ImportBatch.objects.get(filename=demo.FILENAME).imported > 100
    count = Mention.objects.count()
    assert count > 0
    demo.load(out)
    assert Mention.objects.count() == count
    assert "already loaded" in out.getvalue()
    assert not Mention.objects.filter(raw_value__contains="@example.com").exists()
