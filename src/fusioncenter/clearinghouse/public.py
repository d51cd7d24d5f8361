"""The public copy of a case and the plain-language description of a person, in English and Spanish.

Everything here reads a dict of `MissingPersonCase.PUBLIC_FIELDS` (the listing's `content`), never a
case object, so nothing outside that explicit set can be printed on a public page, poster or feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .models import MissingPersonCase


def content_of(case: MissingPersonCase) -> dict[str, Any]:
    """Serialize the case's public fields (dates as ISO text) for a `PublicListing`."""
    out: dict[str, Any] = {}
    for name in MissingPersonCase.PUBLIC_FIELDS:
        value = getattr(case, name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif name == "vehicles":
            value = [
                {k: str(v.get(k, "")) for k in ("year", "color", "make", "model", "plate", "state")}
                for v in (value or [])
            ]
        out[name] = value
    out["full_name"] = case.full_name
    out["reference"] = case.reference
    return out


def when(content: dict[str, Any]) -> dt.datetime | None:
    value = content.get("last_seen_at")
    return parse_datetime(value) if isinstance(value, str) else value


def birth_date(content: dict[str, Any]) -> dt.date | None:
    value = content.get("date_of_birth")
    return parse_date(value) if isinstance(value, str) else value


def height_text(inches: int | None, lang: str = "en") -> str:
    if not inches:
        return ""
    feet, rest = divmod(int(inches), 12)
    if lang == "es":
        return f"{feet} pies {rest} pulgadas ({inches * 2.54 / 100:.2f} m)".replace(".", ",", 1)
    return f"{feet} ft {rest} in"


def weight_text(pounds: int | None, lang: str = "en") -> str:
    if not pounds:
        return ""
    if lang == "es":
        return f"{pounds} libras ({round(pounds * 0.4536)} kg)"
    return f"{pounds} lb"


SEX_ES = {"female": "femenino", "male": "masculino", "other": "otro"}

LABELS = {
    "en": {
        "age": "Age at disappearance",
        "dob": "Date of birth",
        "sex": "Sex",
        "race": "Race",
        "height": "Height",
        "weight": "Weight",
        "hair": "Hair",
        "eyes": "Eyes",
        "complexion": "Complexion",
        "marks": "Scars, marks, tattoos",
        "clothing": "Last seen wearing",
        "vehicles": "Vehicle",
        "alias": "Also known as",
    },
    "es": {
        "age": "Edad al desaparecer",
        "dob": "Fecha de nacimiento",
        "sex": "Sexo",
        "race": "Raza",
        "height": "Estatura",
        "weight": "Peso",
        "hair": "Cabello",
        "eyes": "Ojos",
        "complexion": "Tez",
        "marks": "Cicatrices, marcas, tatuajes",
        "clothing": "Vestía",
        "vehicles": "Vehículo",
        "alias": "También conocido como",
    },
}


def vehicle_text(vehicle: dict[str, Any], lang: str = "en") -> str:
    words = " ".join(str(vehicle.get(k) or "").strip() for k in ("year", "color", "make", "model")).split()
    text = " ".join(words)
    plate = str(vehicle.get("plate") or "").strip()
    if plate:
        state = str(vehicle.get("state") or "").strip()
        word = "placa" if lang == "es" else "plate"
        text += f", {word} {plate}" + (f" ({state})" if state else "")
    return text.strip(", ")


def descriptors(content: dict[str, Any], lang: str = "en") -> list[tuple[str, str]]:
    """(label, value) rows of the person's description, in the poster's language; blanks left out."""
    lab = LABELS[lang]
    sex = content.get("sex") or ""
    dob = birth_date(content)
    rows = [
        (lab["alias"], content.get("alternate_names") or ""),
        (lab["age"], "" if content.get("age_at_disappearance") is None else str(content["age_at_disappearance"])),
        (lab["dob"], dob.strftime("%m/%d/%Y") if dob and lang == "en" else dob.strftime("%d/%m/%Y") if dob else ""),
        (lab["sex"], SEX_ES.get(sex, sex) if lang == "es" else sex.capitalize()),
        (lab["race"], content.get("race") or ""),
        (lab["height"], height_text(content.get("height_in"), lang)),
        (lab["weight"], weight_text(content.get("weight_lb"), lang)),
        (lab["hair"], content.get("hair_color") or ""),
        (lab["eyes"], content.get("eye_color") or ""),
        (lab["complexion"], content.get("complexion") or ""),
        (lab["marks"], content.get("scars_marks_tattoos") or ""),
        (lab["clothing"], content.get("clothing") or ""),
    ]
    rows += [(lab["vehicles"], vehicle_text(v, lang)) for v in content.get("vehicles") or []]
    return [(k, v) for k, v in rows if v]


def last_seen_text(content: dict[str, Any], lang: str = "en") -> str:
    moment = when(content)
    place = ", ".join(x for x in (content.get("last_seen_place"), content.get("last_seen_city")) if x)
    if moment is None:
        return place
    local = timezone.localtime(moment)
    if lang == "es":
        months = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ]
        return (
            f"{place}, el {local.day} de {months[local.month - 1]} de {local.year} a las {local:%H:%M} (hora central)"
        )
    return f"{place}, {local:%B} {local.day}, {local.year} at {local:%-I:%M %p} Central"
