"""The SAR demo: a few hundred fictional reports across counties, categories and states; idempotent."""

import io

from django.db.models import Count

from fusioncenter.sar import demo
from fusioncenter.sar.models import Report, ReportCategory


def test_demo_loads_varied_fictional_reports_once(wisconsin, settings, tmp_path):
    from fusioncenter.core import demo as core_demo

    settings.DATA_DIR = tmp_path
    core_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    assert Report.objects.count() == demo.COUNT
    states = dict(Report.objects.values_list("state").annotate(n=Count("id")))
    assert {"received", "vetting", "ise_sar", "criminal_intelligence", "tip_lead", "unfounded", "referred"} <= set(
        states)
    assert Report.objects.values("county").distinct().count() > 20
    assert ReportCategory.objects.values("code").distinct().count() == 16
    assert set(Report.objects.values_list("center__code", flat=True)) == {"WSIC", "STAC"}
    assert Report.objects.filter(routing_flagged=True).exists()
    assert all(r.summary.startswith("[DEMO]") for r in Report.objects.all()[:50])
    demo.load(out)
    assert Report.objects.count() == demo.COUNT and "already loaded" in out.getvalue()
