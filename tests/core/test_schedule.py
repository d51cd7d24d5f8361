"""Daily jobs run once per day, and the CJIS AC-2 rule that disables accounts idle for 90 days."""

from __future__ import annotations

import datetime as dt

from fusioncenter.core import clock, schedule, services
from fusioncenter.core.models import AuditEntry, ScheduledRun, User


def test_a_daily_job_runs_once_per_day(db):
    calls: list[dt.date] = []
    schedule.register_daily("test.count", calls.append)
    try:
        day = dt.date(2027, 3, 1)
        assert "test.count" in schedule.run_due(day)
        assert "test.count" not in schedule.run_due(day)
        assert "test.count" in schedule.run_due(day + dt.timedelta(days=1))
        assert calls == [day, day + dt.timedelta(days=1)]
        assert ScheduledRun.objects.filter(name="test.count", outcome="success").count() == 2
    finally:
        schedule._jobs.pop("test.count")


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(db):
    def broken(day):
        raise RuntimeError("boom")

    seen = []
    schedule.register_daily("test.a_broken", broken)
    schedule.register_daily("test.b_fine", seen.append)
    try:
        ran = schedule.run_due(dt.date(2027, 3, 2))
        assert "test.b_fine" in ran and "test.a_broken" not in ran
        assert ScheduledRun.objects.get(name="test.a_broken").outcome == "failure"
    finally:
        schedule._jobs.pop("test.a_broken")
        schedule._jobs.pop("test.b_fine")


def test_accounts_idle_for_90_days_are_disabled(make_user):
    recent = make_user("analyst")
    idle = make_user("partner_officer")
    never = make_user("partner_member")
    now = clock.now()
    User.objects.filter(pk=recent.pk).update(last_login=now - dt.timedelta(days=10))
    User.objects.filter(pk=idle.pk).update(last_login=now - dt.timedelta(days=91))
    User.objects.filter(pk=never.pk).update(last_login=None, date_joined=now - dt.timedelta(days=120))
    assert services.disable_idle_accounts() == 2
    assert User.objects.get(pk=recent.pk).is_active
    assert not User.objects.get(pk=idle.pk).is_active and not User.objects.get(pk=never.pk).is_active
    assert AuditEntry.objects.filter(action="account_disabled").count() == 2
    assert "core.disable_idle_accounts" in schedule.jobs()


def test_frequent_jobs_run_every_tick_and_failures_are_contained(db):
    seen = []

    def broken():
        raise RuntimeError("boom")

    schedule.register_frequent("test.a_broken", broken)
    schedule.register_frequent("test.b_tick", lambda: seen.append(1))
    try:
        assert "test.b_tick" in schedule.run_frequent()
        assert "test.b_tick" in schedule.run_frequent()
        assert seen == [1, 1]
    finally:
        schedule._frequent.pop("test.a_broken")
        schedule._frequent.pop("test.b_tick")


def test_the_platform_registers_its_daily_and_frequent_jobs():
    assert {"core.disable_idle_accounts", "privacy.retention"} <= set(schedule.jobs())
    assert {"alerts.expire_alerts", "products.expire_products", "products.fetch_feeds"} <= set(schedule._frequent)
