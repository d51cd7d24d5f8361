"""`fusioncenter demo`: an active AMBER Alert, a Silver Alert, a few thousand subscribers; loaded once."""

from __future__ import annotations

import io

import pytest

from fusioncenter.alerts import demo, services
from fusioncenter.alerts.models import Alert, Subscriber

pytestmark = pytest.mark.django_db


def test_demo_loads_alerts_and_subscribers_once(wisconsin, settings, tmp_path):
    from fusioncenter.core import demo as core_demo

    settings.DATA_DIR = tmp_path
    core_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    active = services.public_alerts()
    assert {a.program.code for a in active} == {"AMBER", "SILVER"}
    assert all("FICTIONAL" in a.subject_description for a in active)
    assert Subscriber.objects.filter(confirmed_at__isnull=False).count() == demo.SUBSCRIBERS
    assert Subscriber.objects.filter(counties__isnull=False).distinct().count() == demo.SUBSCRIBERS
    demo.load(out)
    assert "already loaded" in out.getvalue()
    assert Alert.objects.count() == 2 and Subscriber.objects.count() == demo.SUBSCRIBERS
