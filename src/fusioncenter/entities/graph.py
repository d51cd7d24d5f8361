"""Link analysis over what a user may see: neighborhoods, shortest paths, GraphML/CSV, an SVG chart.

Every edge is a `Link` whose source record passes `core.access` for the user, so a chart (and its
export) never carries a connection the user could not have read in the records themselves, unlike
a chart exported out of i2/iBase that leaves access control behind (anchors §7).
"""

from __future__ import annotations

import csv
import io
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.db.models import Q
from django.urls import reverse

from . import access as eaccess
from .models import Entity, Link
from .schema import label as type_label

MAX_NODES = 60


@dataclass
class Graph:
    nodes: dict[int, Entity] = field(default_factory=dict)
    edges: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # (a<b) -> {types, records, dates}


def _links(user: Any, ids: set[int], link_type: str = "", date_from=None, date_to=None):
    qs = eaccess.visible_links(user, Link.objects.filter(Q(from_entity_id__in=ids) | Q(to_entity_id__in=ids)))
    if link_type:
        qs = qs.filter(type=link_type)
    if date_from:
        qs = qs.filter(date__date__gte=date_from)
    if date_to:
        qs = qs.filter(date__date__lte=date_to)
    return qs.values_list("from_entity_id", "to_entity_id", "type", "source_type", "source_id", "date")


def neighborhood(user: Any, entity: Entity, depth: int = 1, **filters: Any) -> Graph:
    g = Graph()
    frontier = {entity.pk}
    seen = {entity.pk}
    for _ in range(max(1, min(depth, 3))):
        nxt: set[int] = set()
        for a, b, ltype, stype, sid, date in _links(user, frontier, **filters):
            key = (min(a, b), max(a, b))
            edge = g.edges.setdefault(key, {"types": set(), "records": set(), "dates": []})
            edge["types"].add(ltype)
            edge["records"].add((stype, sid))
            if date:
                edge["dates"].append(date)
            for n in (a, b):
                if n not in seen and len(seen) < MAX_NODES:
                    seen.add(n)
                    nxt.add(n)
        frontier = nxt
        if not frontier:
            break
    visible = eaccess.visible_entities(user, Entity.objects.filter(pk__in=seen))
    g.nodes = {e.pk: e for e in visible}
    g.edges = {k: v for k, v in g.edges.items() if k[0] in g.nodes and k[1] in g.nodes}
    return g


def shortest_path(user: Any, a: int, b: int, max_depth: int = 6) -> list[int] | None:
    """Breadth-first over visible links; the entity ids from a to b, or None."""
    if a == b:
        return [a]
    parent: dict[int, int | None] = {a: None}
    frontier = {a}
    for _ in range(max_depth):
        nxt: set[int] = set()
        for x, y, *_rest in _links(user, frontier):
            for u, v in ((x, y), (y, x)):
                if u in frontier and v not in parent:
                    parent[v] = u
                    nxt.add(v)
        if b in parent:
            path = [b]
            while parent[path[-1]] is not None:
                path.append(parent[path[-1]])
            return list(reversed(path))
        frontier = nxt
        if not frontier:
            return None
    return None


def to_graphml(g: Graph) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
           '<key id="type" for="node" attr.name="type" attr.type="string"/>',
           '<key id="label" for="node" attr.name="label" attr.type="string"/>',
           '<key id="ltype" for="edge" attr.name="type" attr.type="string"/>',
           '<key id="records" for="edge" attr.name="records" attr.type="int"/>',
           '<graph id="G" edgedefault="undirected">']
    for pk, e in g.nodes.items():
        out.append(f'<node id="e{pk}"><data key="type">{xml_escape(e.type)}</data>'
                   f'<data key="label">{xml_escape(e.display)}</data></node>')
    for (a, b), edge in g.edges.items():
        out.append(f'<edge source="e{a}" target="e{b}"><data key="ltype">{xml_escape(",".join(sorted(edge["types"])))}'
                   f'</data><data key="records">{len(edge["records"])}</data></edge>')
    out += ["</graph>", "</graphml>"]
    return "\n".join(out)


def to_csv(g: Graph) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["from_id", "from_type", "from_label", "to_id", "to_type", "to_label", "link_types", "records"])
    for (a, b), edge in sorted(g.edges.items()):
        ea, eb = g.nodes[a], g.nodes[b]
        w.writerow([a, ea.type, _csv_safe(ea.display), b, eb.type, _csv_safe(eb.display),
                    ",".join(sorted(edge["types"])), len(edge["records"])])
    return buf.getvalue()


def _csv_safe(value: str) -> str:
    """No spreadsheet formulas from record text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def to_svg(g: Graph, center: int, size: int = 560) -> str:
    """A radial chart: the entity in the middle, its neighbors around it, each a link to its own chart."""
    cx = cy = size / 2
    others = [pk for pk in g.nodes if pk != center]
    pos = {center: (cx, cy)}
    radius = size / 2 - 70
    for i, pk in enumerate(others):
        angle = 2 * math.pi * i / max(len(others), 1) - math.pi / 2
        pos[pk] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="entity-graph" '
             f'role="group" aria-labelledby="graph-title"><title id="graph-title">Link chart: '
             f'{xml_escape(g.nodes[center].display) if center in g.nodes else ""} and '
             f'{len(others)} linked entities</title>']
    for (a, b), edge in g.edges.items():
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            width = min(1 + len(edge["records"]), 6)
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                         f'class="graph-edge" stroke-width="{width}"/>')
    for pk, (x, y) in pos.items():
        e = g.nodes.get(pk)
        if e is None:
            continue
        url = reverse("entities:entity", args=[pk])
        label = xml_escape(e.display[:28])
        kind = xml_escape(type_label(e.type))
        cls = "graph-node graph-node--center" if pk == center else "graph-node"
        parts.append(f'<a href="{url}" class="{cls}"><title>{kind}: {xml_escape(e.display)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{26 if pk == center else 18}" '
                     f'class="graph-type-{xml_escape(e.type)}"/>'
                     f'<text x="{x:.1f}" y="{y + 36:.1f}" text-anchor="middle">{label}</text>'
                     f'<text x="{x:.1f}" y="{y + 50:.1f}" text-anchor="middle" class="graph-kind">{kind}</text></a>')
    parts.append("</svg>")
    return "".join(parts)


def path_entities(ids: list[int]) -> list[Entity]:
    by_id = Entity.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def bfs_order(g: Graph, start: int) -> list[int]:
    order, q, seen = [], deque([start]), {start}
    adj: dict[int, set[int]] = {}
    for a, b in g.edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    while q:
        n = q.popleft()
        order.append(n)
        for m in sorted(adj.get(n, ())):
            if m not in seen:
                seen.add(m)
                q.append(m)
    return order
