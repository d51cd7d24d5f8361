"""Background work for products: fetch the subscribed CAP and Atom feeds, expire BOLOs (run every few minutes)."""

from __future__ import annotations

from django_tasks import task


@task()
def fetch_feeds() -> int:
    from .external import fetch_all

    return fetch_all()


@task()
def expire_products() -> int:
    """Withdraw products past their expiry (BOLOs); run every few minutes."""
    from .distribution import expire_due

    return expire_due()
