"""Pages: search, an entity (mentions, matches to review, link chart, timeline, map), review queue."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from fusioncenter.core.access import AccessDenied
from fusioncenter.core.models import County
from fusioncenter.core.requestinfo import source_address
from fusioncenter.core.roles import CENTER_WORKER_ROLES

from . import access as eaccess
from . import graph, registry, review, search, services
from .models import Entity, MatchDecision, Mention, Watch
from .schema import label as type_label


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _date_errors(request: HttpRequest, filters: search.Filters) -> dict[str, str]:
    """What is wrong with the date filters, by field: a filter silently dropped, or a range that
    can match nothing, would show an analyst results that are not what they asked for."""
    errors = {}
    for name, value in (("from", filters.date_from), ("to", filters.date_to)):
        raw = request.GET.get(name, "").strip()
        if raw and value is None:
            errors[name] = f"“{raw[:20]}” is not a date. Use the form YYYY-MM-DD."
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["to"] = "The end date is before the start date."
    return errors


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    filters = search.Filters(
        types=[t for t in request.GET.getlist("type") if t in registry.search_sources()],
        date_from=_date(request.GET.get("from")), date_to=_date(request.GET.get("to")),
        county_fips=request.GET.get("county", "")[:5], category=request.GET.get("category", "")[:64],
        tlp=request.GET.get("tlp", "")[:16], center=request.GET.get("center", "")[:16])
    errors = _date_errors(request, filters)
    hits, total = ([], 0)
    if q and not errors:
        hits, total = search.search(request.user, q, filters, source_address=source_address(request))
    entities = []
    if q and not errors:
        entities = list(eaccess.visible_entities(request.user, search.named_entities(q))[:10])
    return render(request, "entities/search.html", {
        "q": q, "hits": hits, "total": total, "filters": filters, "entities": entities, "errors": errors,
        "total_capped": total >= search.MAX_CANDIDATES, "raw_from": request.GET.get("from", "")[:20],
        "raw_to": request.GET.get("to", "")[:20],
        "sources": [(label, src.model._meta.verbose_name_plural) for label, src in registry.search_sources().items()],
        "counties": County.objects.order_by("name"),
    })


def _entity_or_404(request: HttpRequest, pk: int, *, audited: bool = True, **detail: str) -> Entity:
    try:
        return services.get_entity(request.user, pk, source_address=source_address(request), audited=audited,
                                   detail={k: v for k, v in detail.items() if v})
    except LookupError as exc:
        raise Http404 from exc


def _mention_rows(user, entity: Entity) -> list[dict]:
    rows = []
    for m in eaccess.visible_mentions(user, entity.mentions.all()).order_by("observed_at", "id"):
        src = registry.mention_source(m.source_type)
        record = src.model._default_manager.filter(pk=m.source_id).first() if src else None
        rows.append({"mention": m, "title": src.title(record) if record else m.source_type,
                     "url": src.link(record) if record else "",
                     "county": src.county_fips(record) if (record and src.county_fips) else "",
                     "point": src.where(record) if record else None})
    return rows


def _places(rows: list[dict]) -> list[graph.Place]:
    """One place per record (a record mentioning the entity twice is one point), numbered for the map."""
    seen: dict[tuple[str, str], dict] = {}
    for r in rows:
        seen.setdefault((r["mention"].source_type, r["mention"].source_id), r)
    names = dict(County.objects.filter(fips__in={r["county"] for r in seen.values() if r["county"]})
                 .values_list("fips", "name"))
    out = []
    for i, r in enumerate(seen.values(), start=1):
        point = r["point"]
        out.append(graph.Place(i, r["title"], r["url"], r["county"], names.get(r["county"], ""),
                               r["mention"].observed_at, point, graph.project(*point) if point else None))
    return out


def _expand_ids(request: HttpRequest) -> list[int]:
    """`?expand=7,9` (or repeated): the entities whose links were added to the chart, in click order."""
    out: list[int] = []
    for value in request.GET.getlist("expand"):
        out += [int(x) for x in value.split(",") if x.strip().isdigit()]
    return list(dict.fromkeys(out))[:graph.MAX_EXPAND]


def _chart_query(request: HttpRequest, expand: list[int], **extra: str) -> str:
    """The chart's filters and expansions as a query string (exports and links keep what is shown)."""
    params = {k: request.GET[k] for k in ("link_type", "depth", "from", "to") if request.GET.get(k)}
    if expand:
        params["expand"] = ",".join(str(x) for x in expand)
    params.update(extra)
    return urlencode(params)


@login_required
def entity_page(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity_or_404(request, pk, format=request.GET.get("format", ""),
                            partial=request.GET.get("partial", ""))
    if entity.pk != pk:
        return redirect("entities:entity", entity.pk)
    depth_text = request.GET.get("depth", "1")
    expand = _expand_ids(request)
    g = graph.neighborhood(request.user, entity, depth=int(depth_text) if depth_text.isdigit() else 1,
                           expand=expand, link_type=request.GET.get("link_type", ""),
                           date_from=_date(request.GET.get("from")), date_to=_date(request.GET.get("to")))
    fmt = request.GET.get("format")
    if fmt == "graphml":
        resp = HttpResponse(graph.to_graphml(g), content_type="application/graphml+xml")
        resp["Content-Disposition"] = f'attachment; filename="entity-{entity.pk}.graphml"'
        return resp
    if fmt == "csv":
        resp = HttpResponse(graph.to_csv(g), content_type="text/csv")
        resp["Content-Disposition"] = f'attachment; filename="entity-{entity.pk}-links.csv"'
        return resp
    dist = graph.distances(g, entity.pk)
    chart = {
        "entity": entity, "graph_svg": graph.to_svg(g, entity.pk), "expanded": g.expanded,
        "expand_value": ",".join(str(x) for x in g.expanded),
        "neighbors": [{"entity": e, "type": type_label(e.type), "steps": dist.get(k, ""),
                       "expanded": k in g.expanded,
                       "expand_query": _chart_query(request, [*g.expanded, k])}
                      for k, e in sorted(g.nodes.items(), key=lambda t: (dist.get(t[0], 99), t[1].display))
                      if k != entity.pk],
        "graphml_query": _chart_query(request, g.expanded, format="graphml"),
        "csv_query": _chart_query(request, g.expanded, format="csv"),
    }
    if request.GET.get("partial") == "chart":
        return render(request, "entities/_chart.html", chart)
    rows = _mention_rows(request.user, entity)
    visible_ids = {r["mention"].pk for r in rows}
    decisions = [d for d in MatchDecision.objects.filter(entity=entity).select_related("mention", "other")
                 .order_by("-at", "-id")[:50]
                 if d.mention_id is None or d.mention_id in visible_ids]
    automatic = services.open_automatic_matches(eaccess.visible_mentions(request.user, entity.mentions.all())) \
        .order_by("-id")[:50]
    decisions = sorted([*decisions, *map(services.as_open_decision, automatic)],
                       key=lambda d: (d.at, d.pk or 0), reverse=True)[:50]
    places = _places(rows)
    on_map = sum(1 for p in places if p.xy)
    county_map = graph.places_map(places, f"Records mentioning {entity.display}: their counties and "
                                  f"{on_map} point{'s' if on_map != 1 else ''}") if places else ""
    path = None
    other = request.GET.get("path_to", "")
    if other.isdigit():
        ids = graph.shortest_path(request.user, entity.pk, int(other))
        path = graph.path_entities(ids) if ids else []
    return render(request, "entities/entity.html", {
        **chart, "type_label": type_label(entity.type), "rows": rows, "decisions": decisions,
        "county_map": county_map, "places": places, "on_map": on_map, "path": path, "path_to": other,
        "may_decide": request.user.role in CENTER_WORKER_ROLES,
        "watching": Watch.objects.filter(user=request.user, entity=entity, active=True).exists(),
        "link_types": ["co_mentioned"],
    })


@login_required
def review_page(request: HttpRequest) -> HttpResponse:
    """The review queue (`review.open_matches`): possible matches or automatic matches, a page at a time."""
    cursor = review.parse_cursor(request.GET.get("older", ""))
    try:
        page = review.open_matches(request.user, request.GET.get("kind", ""), cursor)
    except PermissionDenied as exc:
        raise Http404 from exc
    review.audit_page(request.user, page, source_address(request))
    return render(request, "entities/review.html", {
        "page": page, "kinds": review.KINDS, "kind_name": review.KINDS[page.kind], "first_page": cursor is None,
        "may_decide": request.user.role in CENTER_WORKER_ROLES})


@login_required
@require_POST
def decide_automatic(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Confirm or reject an automatic match not decided before: its decision row is written first."""
    if action not in ("confirm", "reject"):
        raise Http404
    try:
        decision_id = services.automatic_match(request.user, pk)
    except ValidationError as exc:
        mention = Mention.objects.filter(pk=pk).first()
        if mention is None:
            raise Http404 from exc
        messages.error(request, " ".join(exc.messages))
        return redirect("entities:entity", services._live(mention.entity).pk)
    except (PermissionDenied, AccessDenied) as exc:
        raise Http404 from exc
    return decide(request, decision_id, action)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    fn = {"confirm": services.confirm, "reject": services.reject, "undo": services.undo}.get(action)
    if fn is None:
        raise Http404
    decision = MatchDecision.objects.filter(pk=pk).first()
    if decision is None:
        raise Http404
    try:
        fn(request.user, pk, request.POST.get("reason", ""), source_address=source_address(request))
        messages.success(request, {"confirm": "Match confirmed.", "reject": "Match rejected.",
                                   "undo": "Decision reversed."}[action])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (PermissionDenied, AccessDenied) as exc:
        raise Http404 from exc
    return redirect("entities:entity", services._live(decision.entity).pk)


@login_required
@require_POST
def merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    into = request.POST.get("into", "")
    try:
        if not into.isdigit():
            raise ValidationError({"into": ["Give the number of the entity to merge into."]})
        services.merge(request.user, pk, int(into), request.POST.get("reason", ""),
                       source_address=source_address(request))
        messages.success(request, "Entities merged; the merge can be reversed below.")
        return redirect("entities:entity", int(into))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (PermissionDenied, AccessDenied) as exc:
        raise Http404 from exc
    return redirect("entities:entity", pk)


@login_required
@require_POST
def split_view(request: HttpRequest, pk: int) -> HttpResponse:
    ids = [int(x) for x in request.POST.getlist("mention") if x.isdigit()]
    try:
        services.split(request.user, pk, ids, request.POST.get("reason", ""), source_address=source_address(request))
        messages.success(request, "Mentions split into a new entity; the split can be reversed below.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (PermissionDenied, AccessDenied) as exc:
        raise Http404 from exc
    return redirect("entities:entity", pk)


@login_required
@require_POST
def watch_view(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity_or_404(request, pk, audited=False)  # the watch itself is audited
    from .watch import toggle_entity_watch

    on = toggle_entity_watch(request.user, entity, source_address=source_address(request))
    messages.success(request, "You will be told of new records mentioning this entity." if on
                     else "You no longer watch this entity.")
    return redirect("entities:entity", entity.pk)


@login_required
@require_POST
def watch_search_view(request: HttpRequest) -> HttpResponse:
    from .watch import watch_search

    q = request.POST.get("q", "")
    try:
        watch_search(request.user, q, source_address=source_address(request))
        messages.success(request, "Saved: you will be told of new records matching this search.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("entities:search") + "?" + urlencode({"q": q}))



@login_required
def imports_page(request: HttpRequest) -> HttpResponse:
    from fusioncenter.core.models import Organization

    from . import imports
    from .models import ImportBatch, ImportMapping

    if request.user.role not in CENTER_WORKER_ROLES:
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        org = Organization.objects.filter(pk=request.POST.get("organization") or 0).first()
        mapping = {f: request.POST.get(f"map_{f}", "").strip() for f in imports.FIELDS}
        saved = ImportMapping.objects.filter(pk=request.POST.get("saved_mapping") or 0).first()
        if saved is not None and not any(mapping.values()):
            mapping = saved.mapping
        if upload is None or org is None:
            errors.append("Choose the partner organization and a file.")
        else:
            fmt = "json" if upload.name.lower().endswith(".json") else "csv"
            try:
                batch = imports.start_import(request.user, org, upload.name, upload.read(), fmt, mapping,
                                             save_as=request.POST.get("save_as", ""),
                                             tlp=request.POST.get("tlp", "AMBER"),
                                             source_address=source_address(request))
                return redirect("entities:import", batch.pk)
            except ValidationError as exc:
                errors.extend(exc.messages)
    return render(request, "entities/imports.html", {
        "errors": errors, "fields": imports.FIELDS,
        "organizations": Organization.objects.filter(active=True).order_by("name"),
        "mappings": ImportMapping.objects.select_related("organization").order_by("organization__name", "name"),
        "batches": ImportBatch.objects.select_related("organization")[:20]})


@login_required
def import_page(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import ImportBatch

    if request.user.role not in CENTER_WORKER_ROLES:
        raise Http404
    batch = ImportBatch.objects.filter(pk=pk).select_related("organization").first()
    if batch is None:
        raise Http404
    return render(request, "entities/import.html", {"batch": batch, "errors": batch.errors[:500]})
