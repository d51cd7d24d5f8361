"""Background work for SARs: extraction of identifiers from the narrative, after the report is saved.

Intake stays fast (the public form and partner systems wait for the receipt, not for the parser);
the report page runs the extraction itself if the worker has not reached it yet.
"""

from __future__ import annotations

from django_tasks import task


@task()
def extract_report(report_id: int) -> int:
    from . import services
    from .indexing import index
    from .models import Report

    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return 0
    made = services.run_extraction(report)
    index(report)
    return made
