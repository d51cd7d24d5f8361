"""Intake through the API with the production task queue (tasks as rows in our own database).

The extraction task's row joins the report's transaction (one commit, and never a task without its
report); the statement count is the figure `bench/sar_intake.py` reports, guarded here against
regressions (counted, not timed).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_queue(settings):
    settings.TASKS = DB_QUEUE


def test_the_extraction_task_commits_with_the_report(client, staff, api_token, payload, db_queue):
    from django_tasks_db.models import DBTaskResult

    token = api_token(staff["officer"])
    response = client.post("/api/v1/sars", payload(), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201, response.content
    report_id = response.json()["id"]
    queued = [r for r in DBTaskResult.objects.all() if r.task_path.endswith("extract_report")]
    assert [r.args_kwargs["args"] for r in queued] == [[report_id]]


def test_a_refused_report_queues_nothing(client, staff, api_token, payload, db_queue):
    from django_tasks_db.models import DBTaskResult

    token = api_token(staff["officer"])
    bad = payload(vehicles=[{"vin": "1HGCM82633A00435X"}])  # wrong check digit
    response = client.post("/api/v1/sars", bad, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "vin"
    assert not DBTaskResult.objects.exists()


def test_intake_statements_per_report(client, staff, api_token, payload, db_queue):
    """Token remembered, county by its name map: one read, then one transaction of inserts and the audit."""
    token = api_token(staff["officer"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.post("/api/v1/sars", payload(), content_type="application/json", **headers).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/sars", payload(), content_type="application/json", **headers)
    assert response.status_code == 201
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "core_apitoken" in s]
    assert sum("core_county" in s for s in sql) == 1
    assert sum("django_tasks_database_dbtaskresult" in s for s in sql) == 1
    # the county read; report, categories, subject, identifier, vehicle, transition, task; the audit
    # entry (lock the head; then on PostgreSQL one statement for the entry and the head, elsewhere
    # two). Inside the test's own transaction the service's atomic block is a savepoint instead of
    # BEGIN/COMMIT.
    expected = 10 if connection.vendor == "postgresql" else 11
    assert len([s for s in sql if "SAVEPOINT" not in s.upper()]) == expected
