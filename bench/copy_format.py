"""COPY in PostgreSQL's text format against its binary format, for rows like an import's mentions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench SECRET_KEY=x \\
        .venv/bin/python bench/copy_format.py --rows 300000 --runs 3

Why: `fastinsert.insert` writes an import's rows with COPY, and at a million imported rows that is
about fifteen million rows. In the text format psycopg writes every value out as escaped text and
the server parses it back; in the binary format each value goes in its column's own form. This
copies the same rows both ways into a temporary table shaped like `entities_mention` (no indexes,
so only the format differs) and prints, per run, the wall time, this process's CPU and the server
process's CPU (from /proc, so run it on the database's machine). The migrations are applied first
(the table's shape comes from them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

COLUMNS = ("id", "entity_type", "source_type", "source_id", "field", "raw_value", "normalized", "attributes",
           "observed_at", "created_at", "how", "match", "entity_id", "source_organization_id")
TYPES = ["int8", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "bytea", "timestamptz",
         "timestamptz", "varchar", "bytea", "int8", "int8"]


def rows(n: int) -> list[tuple]:
    """Mention rows as the import's writer has them: JSON encoded already, one timestamp shared."""
    import orjson

    now = dt.datetime.now(dt.UTC)
    match = orjson.dumps({"comparisons": [{"level": "exact", "weight": 6.095, "comparison": "first_name"},
                                          {"level": "missing on one side", "weight": 0.0,
                                           "comparison": "date_of_birth"}],
                          "probability": 0.999717, "match_weight": 11.784}).decode()
    attributes = orjson.dumps({"dob": "6/18/1940", "sex": "M", "address": "2002 Wilson Ct, Green Bay, WI 54301",
                               "last_name": "olson", "first_name": "Paul"}).decode()
    return [(i, "person", "entities.partnerrecord", str(i), "person", f"Paul Olson {i}", "olson paul", attributes,
             now if i % 2 else None, now, "probable", match, i * 7, 3) for i in range(1, n + 1)]


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fusioncenter.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    data = rows(args.rows)
    cols = ", ".join(COLUMNS)
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        cur.execute("CREATE TEMPORARY TABLE copy_probe (LIKE entities_mention)")
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]

        def text() -> None:
            with cur.copy(f"COPY copy_probe ({cols}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)

        def binary() -> None:  # as `fastinsert` sends it: jsonb as a version byte and the text
            with cur.copy(f"COPY copy_probe ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(TYPES)
                for r in data:
                    copy.write_row((*r[:7], b"\x01" + r[7].encode(), *r[8:11], b"\x01" + r[11].encode(), *r[12:]))

        for run in range(args.runs):
            for fn in (text, binary):
                cur.execute("TRUNCATE copy_probe")
                connection.commit()
                wall, cpu, server = time.perf_counter(), time.process_time(), server_cpu(pid)
                fn()
                connection.commit()
                print(json.dumps({"bench": "copy_format", "format": fn.__name__, "run": run + 1, "rows": len(data),
                                  "seconds": round(time.perf_counter() - wall, 2),
                                  "client_cpu_seconds": round(time.process_time() - cpu, 2),
                                  "server_cpu_seconds": round(server_cpu(pid) - server, 2)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
