"""Match review queue latency on an index an import filled: p50/p95 of a page of possible matches and
of automatic matches (`entities.review.open_matches`, with access filtering), walking older pages
by their cursors as the page's "Older matches" link does.

    .venv/bin/python bench/import_rows.py --rows 1000000                      # fills a temp SQLite database
    BENCH_SQLITE_DIR=/tmp/fc-bench-XXXX .venv/bin/python bench/review_queue.py   # then, on that database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/entities_bench SECRET_KEY=x \\
        .venv/bin/python bench/review_queue.py                                # PostgreSQL, after import_rows.py

Two readers: the analyst `import_rows.py` made, who sees every imported record, and an analyst of
another center made here, who may see none of them: the worst case, where every row read is
refused and a page stops after `review.MAX_BATCHES` batches. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from import_rows import setup_django  # noqa: E402
from link_chart import latency_ms  # noqa: E402


def _walk(user, kind: str, pages: int) -> dict[str, object]:
    from fusioncenter.entities import review

    times, shown, cursor = [], 0, None
    for _ in range(pages):
        t = time.perf_counter()
        page = review.open_matches(user, kind, cursor)
        times.append((time.perf_counter() - t) * 1000)
        shown += len(page.items)
        if not page.older:
            break
        cursor = review.parse_cursor(page.older)
    return {**latency_ms(times), "pages": len(times), "rows_shown": shown}


def _outsider():
    """An analyst of a center other than the importing analyst's."""
    from fusioncenter.core.models import Center, Organization, User
    from fusioncenter.core.roles import Role

    importer = User.objects.get(username="bench.analyst")
    center = Center.objects.exclude(pk=importer.home_center_id).order_by("pk").first()
    org = Organization.objects.filter(center=center, is_fusion_center=True).first() or importer.organization
    user, _ = User.objects.get_or_create(username="bench.review.outsider", defaults={
        "role": Role.ANALYST, "organization": org, "home_center": center, "email": "outsider@example.test"})
    return user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50, help="pages walked per kind and reader")
    args = parser.parse_args(argv)
    setup_django(flush=False)
    from django.db import connection

    from fusioncenter.core.models import User
    from fusioncenter.entities.models import MatchDecision, Mention

    readers = {"analyst": User.objects.get(username="bench.analyst"), "other_center": _outsider()}
    suggestions = MatchDecision.objects.filter(status="open", kind="suggestion")
    out: dict[str, object] = {"bench": "review_queue", "database": connection.vendor,
                              "mentions": Mention.objects.count(), "open_suggestions": suggestions.count()}
    for name, user in readers.items():
        for kind in ("suggestion", "auto"):
            out[f"{name}_{kind}"] = _walk(user, kind, args.pages)
    out["load_average"] = os.getloadavg()[0]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
