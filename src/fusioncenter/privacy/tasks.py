"""The daily retention task. Schedule it once a day (cron or a systemd timer running
`fusioncenter retention run`, or enqueue `retention_run` from a scheduler); running it twice on one
day does nothing new, so an extra run is harmless."""

from __future__ import annotations

from django_tasks import task


@task()
def retention_run(as_of: str | None = None) -> dict:
    """Queue records due for review; purge those left unreviewed past their retention date."""
    import datetime as dt

    from . import retention

    result = retention.run(dt.date.fromisoformat(as_of) if as_of else None)
    return {"as_of": result.as_of.isoformat(), "queued": len(result.queued), "purged": len(result.purged),
            "failed": len(result.failed)}
