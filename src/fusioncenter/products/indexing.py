"""How published intelligence products feed the entity index and the search box (registered in
ProductsConfig.ready).

A product is free text, so its subjects are read the way bulletins and BOLOs already write them: a
labelled line per fact ("Name: Dale Ortiz", "DOB: 1984-03-07", "Plate: WI ABC-1234", "Phone: ...",
"VIN: ...", "Address: ..."), Markdown list markers and emphasis allowed. A "Name" line starts a
person; the DOB and sex lines after it describe that person. Phone numbers and e-mail addresses
are also found anywhere in the text. The contact sections ("contact", "contacts") are skipped: they
name the center's own desk, and every product would otherwise meet every other on the tip line.

Only a published product is indexed. A draft or a product in review is the center's working copy
(products.services hides it from readers other than staff, which `core.access` alone would not),
and a withdrawn product's content is withheld from partners, so both are removed from the index
and from search. Indexing runs in a background task after the product is saved (publication,
correction, withdrawal, expiry all save it); a deleted product leaves nothing behind.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import phonenumbers
from django.urls import reverse
from django_tasks import task

log = logging.getLogger(__name__)

LABEL = "products.product"
SKIPPED_SECTIONS = frozenset({"contact", "contacts"})
LINE = re.compile(r"^(?P<label>[A-Za-z][A-Za-z .'/-]{0,30}?)\s*:\s*(?P<value>\S.*)$")
EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}\b")
MARKDOWN = re.compile(r"^\s*(?:[-*+>]|\d+[.)])\s+|[*_`]{1,3}")
LABELS = {
    "name": "name", "subject name": "name", "full name": "name", "suspect name": "name",
    "aka": "alias", "a.k.a.": "alias", "alias": "alias", "also known as": "alias",
    "dob": "dob", "d.o.b.": "dob", "date of birth": "dob", "born": "dob",
    "sex": "sex", "gender": "sex",
    "plate": "plate", "license plate": "plate", "licence plate": "plate", "tag": "plate", "registration": "plate",
    "vin": "vin",
    "phone": "phone", "telephone": "phone", "cell": "phone", "cell phone": "phone", "mobile": "phone",
    "email": "email", "e-mail": "email",
    "address": "address", "last known address": "address", "residence": "address",
}


def _lines(text: str) -> list[str]:
    return [MARKDOWN.sub("", line).strip() for line in (text or "").splitlines()]


def _person(fields: dict[str, str], name: str, field: str) -> Any:
    from fusioncenter.entities.schema import MentionInput

    attrs = {"full_name": name, "dob": fields.get("dob", ""), "sex": fields.get("sex", "")}
    return MentionInput("person", field, name, {k: v for k, v in attrs.items() if v})


def _section_mentions(key: str, text: str) -> list:
    """The labelled facts of one section, then the phones and e-mail addresses written anywhere in it."""
    from fusioncenter.entities import normalize as nz
    from fusioncenter.entities.schema import MentionInput

    out: list = []
    people: list[dict[str, Any]] = []
    for line in _lines(text):
        m = LINE.match(line)
        kind = LABELS.get(m.group("label").strip().lower()) if m else None
        if kind is None:
            continue
        value = m.group("value").strip()[:200]
        if kind == "name":
            people.append({"name": value, "aliases": []})
        elif kind in ("dob", "sex") and people:
            people[-1][kind] = value
        elif kind == "alias" and people:
            people[-1]["aliases"].append(value)
        elif kind in ("plate", "vin"):
            out.append(MentionInput("vehicle", f"{key}.{kind}", value, {kind: value}))
        elif kind in ("phone", "email"):
            out.append(MentionInput(kind, f"{key}.{kind}", value))
        elif kind == "address":
            out.append(MentionInput("location", f"{key}.address", value))
    for p in people:
        out.append(_person(p, p["name"], f"{key}.subject"))
        out += [_person(p, alias, f"{key}.alias") for alias in p["aliases"]]
    # the same number on a labelled line and in the prose is one mention (the labelled one)
    labelled = {nz.phone(m.value) or nz.email(m.value) for m in out if m.type in ("phone", "email")}
    for match in phonenumbers.PhoneNumberMatcher(text or "", "US"):
        if nz.phone(match.raw_string) not in labelled:
            out.append(MentionInput("phone", f"{key}.text", match.raw_string))
    out += [MentionInput("email", f"{key}.text", e) for e in EMAIL.findall(text or "") if nz.email(e) not in labelled]
    return out


def mentions(product: Any) -> list:
    if product.status != "published":
        return []
    out = []
    for section in product.sections.all():
        if section.key not in SKIPPED_SECTIONS:
            out += _section_mentions(section.key, section.body)
    return out


def _url(product: Any) -> str:
    return reverse("products:detail", args=[product.pk])


def _text(product: Any) -> dict[str, Any]:
    sections = [s for s in product.sections.all() if s.body]
    keys = [m.value for m in mentions(product) if m.type in ("vehicle", "phone", "person")]
    return {"title": f"{product.number}: {product.title}",
            "body": "\n\n".join(f"{s.title}. {s.body}" for s in sections), "keys": keys}


def _filters(product: Any) -> dict[str, Any]:
    return {"date": product.published_at, "category": product.product_type.code}


def register() -> None:
    from fusioncenter.entities import registry

    from .models import Product

    registry.register_mention_source(Product, mentions, date=lambda p: p.published_at, url=_url,
                                     describe=lambda p: f"Product {p.number}")
    registry.register_search_source(Product, _text, _filters, url=_url)
    registry.follow_saves(Product, index_product.enqueue)


def forget(product_id: str) -> None:
    """Remove a product's mentions, links and search document, if it has any (idempotent)."""
    from fusioncenter.entities import services

    services.forget_if_indexed(LABEL, product_id)


def index(product: Any) -> None:
    """(Re)index a published product in the entity index and search; forget any other (idempotent)."""
    from fusioncenter.entities import search, services

    if product.status != "published":
        forget(str(product.pk))
        return
    services.index_record(product)
    search.index_record(product)


@task()
def index_product(product_id: int) -> bool:
    from .models import Product

    product = Product.objects.select_related("product_type").filter(pk=product_id).first()
    if product is None:
        forget(str(product_id))
        return False
    index(product)
    return product.status == "published"
