"""Background work of the alert programs.

* `expire_alerts`: close every alert past its expiry (a Cancel message each); run it every few minutes.
* `notify_subscribers`: the WCAN fan-out of an alert or crime alert. One outbox message per
  subscriber (each carries its own manage link) costs about 10 ms, so a statewide AMBER Alert to
  ~2,000 subscribers takes ~20 s: done here, after the alert's own transaction has committed, so
  the coordinator's approval and the public CAP message are not held up. Re-runnable: the outbox
  key (source, kind, subscriber) makes a second run add nothing.
"""

from __future__ import annotations

from django_tasks import task


@task()
def expire_alerts() -> int:
    from .services import expire_due

    return expire_due()


@task()
def notify_subscribers(source_type: str, source_id: int, what: str) -> int:
    from . import services, wcan

    if source_type == "alert":
        return services.send_alert_notices(source_id, what)
    return wcan.send_crime_alert_notices(source_id)
