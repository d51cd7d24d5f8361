"""Background work: bulk imports run in the worker, so the upload page returns at once."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_task(batch_id: int) -> int:
    from .imports import run_import

    return run_import(batch_id).imported
