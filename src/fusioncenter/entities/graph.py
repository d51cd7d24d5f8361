"""Link analysis over what a user may see: neighborhoods, shortest paths, GraphML/CSV, an SVG chart,
and the records as points on the county map.

Every edge is a link (`links`: a record naming both entities) whose record passes `core.access`
for the user, so a chart (and its export) never carries a connection the user could not have read
in the records themselves, unlike a chart exported out of i2/iBase that leaves access control
behind (anchors §7).

The chart grows in place: `neighborhood(..., expand=[ids])` adds each listed entity's own links to
the chart, so an analyst follows a thread without losing the picture (the page's script asks for the
chart again with one more id; without script the same list travels in the address).
"""

from __future__ import annotations

import csv
import io
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.urls import reverse

from fusioncenter.core import jurisdictions

from . import access as eaccess
from .models import Entity
from .schema import label as type_label

MAX_NODES = 60
MAX_EXPAND = 12  # entities expanded in one chart: beyond that the chart is unreadable anyway


@dataclass
class Graph:
    nodes: dict[int, Entity] = field(default_factory=dict)
    edges: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # (a<b) -> {types, records, dates}
    expanded: list[int] = field(default_factory=list)  # entities whose own links were added on request


def _add_links(g: Graph, user: Any, frontier: set[int], seen: set[int], filters: dict[str, Any]) -> set[int]:
    """Add the visible links touching `frontier`; return the entities newly reached."""
    nxt: set[int] = set()
    for a, b, ltype, stype, sid, date in eaccess.visible_links(user, frontier, **filters):
        if (a not in seen and len(seen) >= MAX_NODES) or (b not in seen and len(seen) >= MAX_NODES):
            continue  # keep the chart readable: an edge to a node that did not fit is left out
        key = (min(a, b), max(a, b))
        edge = g.edges.setdefault(key, {"types": set(), "records": set(), "dates": []})
        edge["types"].add(ltype)
        edge["records"].add((stype, sid))
        if date:
            edge["dates"].append(date)
        for n in (a, b):
            if n not in seen:
                seen.add(n)
                nxt.add(n)
    return nxt


def neighborhood(user: Any, entity: Entity, depth: int = 1, expand: list[int] | tuple[int, ...] = (),
                 **filters: Any) -> Graph:
    """The entity's visible links to `depth` steps, plus the links of each entity in `expand` that
    is already on the chart (in the order given, so the chart grows the way the analyst clicked)."""
    g = Graph()
    frontier = {entity.pk}
    seen = {entity.pk}
    for _ in range(max(1, min(depth, 3))):
        frontier = _add_links(g, user, frontier, seen, filters)
        if not frontier:
            break
    for pk in list(dict.fromkeys(expand))[:MAX_EXPAND]:
        if pk in seen and pk != entity.pk and pk not in g.expanded:
            _add_links(g, user, {pk}, seen, filters)
            g.expanded.append(pk)
    visible = eaccess.visible_entities(user, Entity.objects.filter(pk__in=seen))
    g.nodes = {e.pk: e for e in visible}
    g.edges = {k: v for k, v in g.edges.items() if k[0] in g.nodes and k[1] in g.nodes}
    g.expanded = [pk for pk in g.expanded if pk in g.nodes]
    return g


def distances(g: Graph, start: int) -> dict[int, int]:
    """Steps from `start` to every entity on the chart (breadth-first over the chart's edges)."""
    adj: dict[int, set[int]] = {}
    for a, b in g.edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    out, q = {start: 0}, deque([start])
    while q:
        n = q.popleft()
        for m in sorted(adj.get(n, ())):
            if m not in out:
                out[m] = out[n] + 1
                q.append(m)
    return out


def shortest_path(user: Any, a: int, b: int, max_depth: int = 6) -> list[int] | None:
    """Breadth-first over visible links; the entity ids from a to b, or None."""
    if a == b:
        return [a]
    parent: dict[int, int | None] = {a: None}
    frontier = {a}
    for _ in range(max_depth):
        nxt: set[int] = set()
        for x, y, *_rest in eaccess.visible_links(user, frontier):
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


def layout(g: Graph, center: int, size: float) -> dict[int, tuple[float, float]]:
    """Concentric rings by distance from the center; a ring's entities ordered by the angle of the
    entity that reached them, so an expanded entity's neighbors sit on its side of the chart."""
    dist = distances(g, center)
    rings: dict[int, list[int]] = {}
    for pk in g.nodes:
        if pk != center:
            rings.setdefault(dist.get(pk, max(dist.values(), default=0) + 1), []).append(pk)
    adj: dict[int, set[int]] = {}
    for a, b in g.edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    cx = cy = size / 2
    pos = {center: (cx, cy)}
    angle: dict[int, float] = {center: 0.0}
    outer = size / 2 - 70
    count = max(rings, default=1)
    for level in sorted(rings):
        def parent_angle(pk: int, lvl: int = level) -> tuple[float, int]:
            parents = [angle[p] for p in adj.get(pk, ()) if p in angle and dist.get(p, lvl) < lvl]
            return (min(parents) if parents else 0.0, pk)

        members = sorted(rings[level], key=parent_angle)
        radius = outer * level / count
        for i, pk in enumerate(members):
            a = 2 * math.pi * i / len(members) - math.pi / 2
            angle[pk] = (a + math.pi / 2) % (2 * math.pi)
            pos[pk] = (cx + radius * math.cos(a), cy + radius * math.sin(a))
    return pos


def to_svg(g: Graph, center: int, size: int | None = None) -> str:
    """The chart: the entity in the middle, rings of linked entities around it, each a link to its own
    chart (`data-entity` lets the page's script add its links in place instead)."""
    levels = max(distances(g, center).values(), default=1)
    size = size or 560 + 160 * max(0, min(levels, 4) - 1)
    pos = layout(g, center, size)
    others = [pk for pk in g.nodes if pk != center]
    expanded = set(g.expanded)
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
        cls = "graph-node"
        state = ""
        if pk == center:
            cls += " graph-node--center"
        elif pk in expanded:
            cls += " graph-node--expanded"
            state = ", links shown"
        done = ' data-expanded="true"' if pk in expanded or pk == center else ""
        parts.append(f'<a href="{url}" class="{cls}" data-entity="{pk}"{done}>'
                     f'<title>{kind}: {xml_escape(e.display)}{state}</title>'
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


# --- records as points on the county map --------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One record on the map: its county (shading) and, when it has them, its own coordinates (a point)."""

    number: int
    title: str
    url: str
    county_fips: str
    county_name: str
    date: Any
    point: tuple[float, float] | None
    xy: tuple[float, float] | None = None  # where the point falls on the map; None: outside the state's map


def project(latitude: float, longitude: float) -> tuple[float, float] | None:
    """Map coordinates of a point, or None when it falls outside the map's frame (another state).
    The county map's own projection (`core.jurisdictions.map_point`), so a point lands in its county."""
    return jurisdictions.map_point(latitude, longitude)


def places_map(places: list[Place], title: str) -> str:
    """The county map shaded by the records' counties, with a numbered point per record that has its
    own coordinates. The numbers are those of the table the page prints under the map (its text
    equivalent); every text is escaped, so the result may be inserted with `|safe`."""
    counties = {p.county_fips: "1" for p in places if p.county_fips}
    html = jurisdictions.county_map_svg(counties, title, {"1": "County of a record"})
    dots = []
    for p in places:
        if p.xy is None:
            continue
        x, y = p.xy
        label = xml_escape(f"{p.number}: {p.title}")
        dots.append(f'<g class="map-point"><title>{label}</title>'
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7"/>'
                    f'<text x="{x + 10:.1f}" y="{y + 4:.1f}">{p.number}</text></g>')
    if dots:
        html = html.replace("</svg>", f'<g class="map-points">{"".join(dots)}</g></svg>', 1)
    return html
