"""The resolving side of a bulk import alone, for comparing two versions of the code side by side.

    .venv/bin/python bench/resolve_only.py --rows 1000000

    # two trees at once, one core each, then again with the cores swapped:
    (cd /tmp/base && taskset -c 0 .venv/bin/python bench/resolve_only.py --rows 1000000) &
    taskset -c 1 .venv/bin/python bench/resolve_only.py --rows 1000000; wait

Why: a whole import's time on this shared VM moves by 10% or more from one run to the next, more
than most single changes to the resolving process gain, so two runs one after the other cannot
tell them apart. Run at the same moment, one per core, two versions meet the same machine: the
same neighbours, the same memory bandwidth. This script runs `imports._import_pipelined` on the
generated rows of `bench/import_rows.py` (the same seed) into an empty index (a new SQLite file, or
DATABASE_URL's database emptied), exactly as an
import does, with a writer that drops each chunk once it is packed: the resolving process's work
(parsing, normalizing, blocking, ranking, scoring, the import's memory, pickling for the writer)
with nothing written, so nothing the two runs share but the machine. It prints that work's CPU
seconds. It measures nothing of the writer; `bench/import_rows.py` measures the whole import.

`--digest` also prints a digest of every chunk's answer (where each mention went, how, with what
explanation; the suggestions; the entities made or changed), for checking that a change to the
resolving process leaves its answers as they were: two trees that agree print the same digest.
It unpickles each chunk, so its CPU figure is not comparable with a run without it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


class DroppingWriter:
    """A pipeline writer (`pipeline.ProcessWriter`'s contract) that stores nothing: each chunk's
    answer says only that nobody else wrote, so the import goes on from its own memory."""

    def __init__(self, digest: hashlib._Hash | None = None) -> None:
        self._busy = False
        self._digest = digest

    def submit(self, job: object) -> None:
        self._busy = True
        if self._digest is not None:
            resolved = pickle.loads(job.payload).resolved  # noqa: S301 - our own bytes
            if resolved is not None:
                entities = [(*e[:6], sorted(e[6]), e[7]) for e in resolved.entities]  # the keys: a set
                self._digest.update(repr((resolved.placed, resolved.suggestions, entities)).encode())

    def wait(self) -> dict[str, float] | None:
        if not self._busy:
            return None
        self._busy = False
        return {"foreign": 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100000, help="about this many rows (people x ~1.83)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--digest", action="store_true", help="print a digest of the answers (slower)")
    args = parser.parse_args(argv)
    import import_rows

    import_rows.setup_django()  # a fresh SQLite database in /tmp/fc-bench-… (or DATABASE_URL's, emptied)
    from fusioncenter.core.models import Organization, User
    from fusioncenter.core.roles import Role
    from fusioncenter.entities import imports

    org = Organization.objects.create(name="Bench Sheriff", discipline="le_local", center_id=1)
    user = User.objects.create(username="bench.analyst", role=Role.ANALYST, organization=org, home_center_id=1)
    content, _ = import_rows.make_csv(max(1, int(args.rows / 1.83)), args.seed)
    mapping = {f: f for f in ("record_id", "first_name", "last_name", "dob", "sex", "phone", "email", "address",
                              "plate")}
    batch = imports.start_import(user, org, "bench.csv", content, "csv", mapping, run=False)
    _, rows = imports.read_rows(content, "csv")
    began, cpu = time.perf_counter(), time.process_time()
    digest = hashlib.sha256() if args.digest else None
    with imports._collector_between_chunks():
        imports._import_pipelined(batch, rows, DroppingWriter(digest))
    print(json.dumps({"bench": "resolve_only", "rows": len(rows), "imported": batch.imported,
                      **({"digest": digest.hexdigest()} if digest else {}),
                      "cpu_seconds": round(time.process_time() - cpu, 1),
                      "seconds": round(time.perf_counter() - began, 1),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                      "load_average": os.getloadavg()[0]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
