"""The PostgreSQL settings a bulk import's speed depends on, checked where an administrator looks
(`fusioncenter check`, or Django's `check --database default`) instead of found out from an import
that takes an hour.

Why these two: a million-row import wrote 37 GB of WAL on a server left at its defaults (1 GB of
WAL between checkpoints: 63 checkpoints, each followed by whole pages written again), and its
writes evicted 7.5 million pages from a 128 MB buffer cache. Same code, same machine, same evening
(2026-12-05): 358.5 s at the defaults, 333.3 s with the WAL sized for it, 294.1 s with
`shared_buffers` at 4 GB as well (docs/configuration.md, docs/entities.md).

Only warnings: a small installation that never imports a large file is right to keep the defaults.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError, connections

GiB = 1024**3
# below these, a large import is measurably slower (above); the advice says what to set
MINIMUM = {"shared_buffers": 1 * GiB, "max_wal_size": 4 * GiB}
ADVICE = {
    "shared_buffers": ("core.W001", "Set shared_buffers to about a quarter of the server's memory (at least 1 GB) "
                       "and restart PostgreSQL. See docs/configuration.md."),
    "max_wal_size": ("core.W002", "Set max_wal_size to 8 GB or more (and checkpoint_timeout to 30min, "
                     "wal_compression to lz4); a reload is enough. See docs/configuration.md."),
}


def current(connection: Any) -> dict[str, int]:
    """The settings of MINIMUM as the server has them, in bytes (PostgreSQL converts its own units)."""
    with connection.cursor() as cur:
        cur.execute("SELECT name, pg_size_bytes(current_setting(name)) FROM unnest(%s::text[]) AS name",
                    [list(MINIMUM)])
        return {name: int(size) for name, size in cur.fetchall()}


def advice(values: dict[str, int], alias: str = "default") -> list[checks.CheckMessage]:
    """A warning for each setting below its minimum. `values`: bytes by name (`current`)."""
    out: list[checks.CheckMessage] = []
    for name, minimum in MINIMUM.items():
        value = values.get(name)
        if value is not None and value < minimum:
            code, hint = ADVICE[name]
            out.append(checks.Warning(
                f"PostgreSQL ({alias}) has {name} = {_size(value)}: bulk imports of partner records will be "
                f"slower than they need to be (a million rows: 358 s at the defaults, 294 s tuned).",
                hint=hint, id=code))
    return out


def _size(n: int) -> str:
    return f"{n / GiB:g} GB" if n >= GiB else f"{n // 1024**2} MB"


@checks.register(checks.Tags.database)
def check_server(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Django runs checks tagged `database` only when asked for databases (`check --database`):
    the check then reads each PostgreSQL server's settings. A server that cannot be read gets a
    warning of its own, never an exception."""
    out: list[checks.CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        try:
            values = current(connection)
        except DatabaseError as exc:
            out.append(checks.Warning(f"Could not read PostgreSQL's settings ({alias}): {exc}".strip(),
                                      id="core.W003"))
            continue
        out += advice(values, alias)
    return out
