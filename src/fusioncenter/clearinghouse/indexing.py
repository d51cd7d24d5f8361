"""How missing-person cases feed the entity index and the search box (registered in
ClearinghouseConfig.ready).

The case names the missing person (with date of birth and sex, so the matcher can tell two people
of one name apart), the names they also use, the vehicles they may be in, their companions, the
reporting party and that party's phone, and the place they were last seen. These are the links an
analyst needs: the companion's name in a SAR, the van's plate in a bulletin. The investigator's
name, phone and e-mail are not indexed: they are the agency's desk, and every case of that agency
would otherwise be linked to every other.

The case is law-enforcement information: its mentions, links, search document and map point are
shown only to users `core.access` lets see the case itself. The public listing is a separate
record and is not indexed. Indexing runs in a background task after every save of the case (open,
update, release, withdrawal, status change); a deleted case leaves nothing behind.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from django_tasks import task

LABEL = "clearinghouse.missingpersoncase"
ALIAS_SPLIT = re.compile(r"[;,/]|\baka\b|\ba\.k\.a\.", re.IGNORECASE)


def mentions(case: Any) -> list:
    from fusioncenter.entities.schema import MentionInput

    dob = case.date_of_birth.isoformat() if case.date_of_birth else ""
    details = {k: v for k, v in {"dob": dob, "sex": case.sex}.items() if v}
    out = [MentionInput("person", "missing_person", case.full_name,
                        {"first_name": case.given_name, "last_name": case.family_name, **details})]
    for alias in ALIAS_SPLIT.split(case.alternate_names or ""):
        if alias.strip():
            out.append(MentionInput("person", "alternate_name", alias.strip(), {"full_name": alias.strip(),
                                                                               **details}))
    for v in case.vehicles or []:
        if isinstance(v, dict) and v.get("plate"):
            out.append(MentionInput("vehicle", "vehicle", v["plate"], {
                "plate": v["plate"], "plate_state": v.get("state", ""),
                **{k: v[k] for k in ("make", "model", "year", "color") if v.get(k)}}))
    for c in case.companions or []:
        if isinstance(c, dict) and (c.get("name") or "").strip():
            out.append(MentionInput("person", "companion", c["name"].strip(), {"full_name": c["name"].strip()}))
    if case.reporting_party_name.strip():
        out.append(MentionInput("person", "reporting_party", case.reporting_party_name.strip(),
                                {"full_name": case.reporting_party_name.strip(),
                                 "phone": case.reporting_party_phone}))
    if case.reporting_party_phone.strip():
        out.append(MentionInput("phone", "reporting_party_phone", case.reporting_party_phone))
    place = ", ".join(p for p in (case.last_seen_place, case.last_seen_city) if p)
    if re.search(r"\d", case.last_seen_place or ""):  # a street address, not "the park" (which links nothing)
        out.append(MentionInput("location", "last_seen_place", f"{place} {case.last_seen_zip}".strip(), {
            "place": case.last_seen_place, "latitude": case.last_seen_latitude,
            "longitude": case.last_seen_longitude}))
    return out


def _url(case: Any) -> str:
    return reverse("clearinghouse:case_detail", args=[case.pk])


def _county_fips(case: Any) -> str:
    return case.last_seen_county.fips if case.last_seen_county_id else ""


def _point(case: Any) -> tuple[float, float] | None:
    if case.last_seen_latitude is None or case.last_seen_longitude is None:
        return None
    return case.last_seen_latitude, case.last_seen_longitude


def _text(case: Any) -> dict[str, Any]:
    body = "\n".join(t for t in (case.circumstances, case.last_seen_place, case.last_seen_city, case.clothing,
                                 case.scars_marks_tattoos, case.alternate_names) if t)
    keys = [case.full_name, *[v.get("plate", "") for v in case.vehicles or [] if isinstance(v, dict)],
            case.reporting_party_phone]
    return {"title": f"Missing-person case {case.reference}: {case.full_name}", "body": body,
            "keys": [k for k in keys if k]}


def _filters(case: Any) -> dict[str, Any]:
    return {"date": case.last_seen_at, "county_fips": _county_fips(case), "category": case.ncic_category}


def register() -> None:
    from fusioncenter.entities import registry

    from .models import MissingPersonCase

    registry.register_mention_source(
        MissingPersonCase, mentions, date=lambda c: c.last_seen_at, url=_url,
        describe=lambda c: f"Missing-person case {c.reference}", county_fips=_county_fips, point=_point)
    registry.register_search_source(MissingPersonCase, _text, _filters, url=_url)
    registry.follow_saves(MissingPersonCase, index_case.enqueue)


def forget(case_id: str) -> None:
    """Remove a case's mentions, links and search document, if it has any (idempotent)."""
    from fusioncenter.entities import services

    services.forget_if_indexed(LABEL, case_id)


def index(case: Any) -> None:
    """(Re)index one case in the entity index and search (both idempotent)."""
    from fusioncenter.entities import search, services

    services.index_record(case)
    search.index_record(case)


@task()
def index_case(case_id: int) -> bool:
    from .models import MissingPersonCase

    case = MissingPersonCase.objects.select_related("last_seen_county").filter(pk=case_id).first()
    if case is None:
        forget(str(case_id))
        return False
    index(case)
    return True
