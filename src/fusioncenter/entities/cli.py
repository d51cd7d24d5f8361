"""`fusioncenter entities resolve-file FILE.csv --id-column COL --map FIELD=COLUMN ... --out OUT.csv`.

Deduplicates a partner's list of people on its own, without importing it into the index: each row
gets an `entity_id` (rows with the same id are judged the same person), the match weight of the
strongest link that put it there, and the comparisons behind that link. Nothing is written to the
database, so the command needs no account and leaves no trace in the index.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

from . import matching

FIELDS = set(matching.PERSON_FIELDS)


def parse_map(items: list[str], header: list[str]) -> dict[str, str]:
    """FIELD=COLUMN pairs → {field: column}; raises ValueError naming the bad item."""
    mapping: dict[str, str] = {}
    for item in items:
        fld, sep, column = item.partition("=")
        fld, column = fld.strip(), column.strip()
        if not sep or not fld or not column:
            raise ValueError(f"--map {item!r}: write FIELD=COLUMN, e.g. last_name=Surname.")
        if fld not in FIELDS:
            raise ValueError(f"--map {item!r}: unknown field {fld!r}; use one of {', '.join(sorted(FIELDS))}.")
        if column not in header:
            raise ValueError(f"--map {item!r}: the file has no column {column!r}.")
        mapping[fld] = column
    if not mapping:
        raise ValueError("Give at least one --map FIELD=COLUMN (e.g. --map last_name=Surname).")
    if not ({"first_name", "last_name", "full_name"} & set(mapping)):
        raise ValueError("Map at least one name field (first_name, last_name or full_name).")
    return mapping


def resolve_rows(rows: list[dict[str, str]], id_column: str, mapping: dict[str, str],
                 threshold: float = matching.DEFAULT_THRESHOLD) -> list[dict[str, str]]:
    raw = [{fld: row.get(col, "") for fld, col in mapping.items()} for row in rows]
    result = matching.resolve_batch(raw, threshold=threshold, keep_explanations=True)
    # Entity ids: 1.. in order of first appearance, stable for the same input.
    numbering: dict[int, int] = {}
    best: dict[int, tuple[float, str]] = {}
    for (i, j), exp in result.explanations.items():
        text = "; ".join(f"{p['comparison']}: {p['level']} ({p['weight']:+.1f})" for p in exp.parts
                         if p["weight"] != 0.0)
        for k in (i, j):
            if k not in best or exp.weight > best[k][0]:
                best[k] = (exp.weight, text)
    out = []
    for i, row in enumerate(rows):
        root = result.clusters[i]
        numbering.setdefault(root, len(numbering) + 1)
        weight, text = best.get(i, (None, ""))
        out.append({id_column: row.get(id_column, ""), "entity_id": str(numbering[root]),
                    "match_weight": f"{weight:.2f}" if weight is not None else "", "explanation": text})
    return out


def resolve_file(path: Path, id_column: str, map_items: list[str], out: Path) -> dict[str, int]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        if id_column not in header:
            raise ValueError(f"--id-column: the file has no column {id_column!r} (columns: {', '.join(header)}).")
        mapping = parse_map(map_items, header)
        rows = list(reader)
    ids = [r.get(id_column, "") for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"--id-column {id_column!r} is not unique: it must identify each row.")
    resolved = resolve_rows(rows, id_column, mapping)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[id_column, "entity_id", "match_weight", "explanation"])
        writer.writeheader()
        writer.writerows(resolved)
    return {"rows": len(rows), "entities": len({r["entity_id"] for r in resolved})}


def entities(args: argparse.Namespace) -> int:
    if args.entities_command != "resolve-file":
        print(f"Unknown action {args.entities_command!r}.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        counts = resolve_file(Path(args.file), args.id_column, list(args.map or []), Path(args.out))
    except FileNotFoundError as exc:
        print(f"error: cannot read {exc.filename}", file=sys.stderr)
        return 2
    except (ValueError, csv.Error, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(json.dumps({**counts, "seconds": round(seconds, 2), "out": str(args.out)}))
    return 0
