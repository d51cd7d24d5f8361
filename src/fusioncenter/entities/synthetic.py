"""Fictional Wisconsin person records with known duplicates and realistic errors (seeded).

Used by the resolution benchmark, the quality test and the demo. No downloaded data set: names,
streets and towns are common words and real Wisconsin place names; every person is invented.
Errors are the ones partner lists actually carry: typos in names, nicknames (Bill for William),
day and month swapped, a digit wrong in a date, missing fields, phones written every which way,
a surname changed by marriage, a move to a new address; and hard non-matches: relatives sharing a
surname, address and phone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
from dataclasses import dataclass

from .normalize import DATA

_NAMES = json.loads((DATA / "synthetic_names.json").read_text(encoding="utf-8"))
MALE: list[str] = _NAMES["male"]
FEMALE: list[str] = _NAMES["female"]
SURNAMES: list[str] = _NAMES["surnames"]
STREETS: list[str] = _NAMES["streets"]
STREET_TYPES = ("Street", "St", "Avenue", "Ave", "Road", "Rd", "Drive", "Dr", "Lane", "Ln", "Court", "Ct")
TOWNS = (
    ("Madison", "53703", "608"),
    ("Madison", "53711", "608"),
    ("Milwaukee", "53202", "414"),
    ("Milwaukee", "53215", "414"),
    ("Green Bay", "54301", "920"),
    ("Kenosha", "53140", "262"),
    ("Racine", "53403", "262"),
    ("Appleton", "54911", "920"),
    ("Waukesha", "53186", "262"),
    ("Eau Claire", "54701", "715"),
    ("Oshkosh", "54901", "920"),
    ("Janesville", "53545", "608"),
    ("La Crosse", "54601", "608"),
    ("Sheboygan", "53081", "920"),
    ("Wausau", "54401", "715"),
    ("Fond du Lac", "54935", "920"),
    ("West Bend", "53095", "262"),
    ("Superior", "54880", "715"),
    ("Stevens Point", "54481", "715"),
    ("Beloit", "53511", "608"),
)
NICKS = {
    "william": ["bill", "billy", "will"],
    "robert": ["bob", "bobby", "rob"],
    "richard": ["rick", "dick"],
    "james": ["jim", "jimmy"],
    "john": ["jack", "johnny"],
    "michael": ["mike"],
    "joseph": ["joe"],
    "thomas": ["tom", "tommy"],
    "charles": ["chuck", "charlie"],
    "christopher": ["chris"],
    "daniel": ["dan", "danny"],
    "matthew": ["matt"],
    "anthony": ["tony"],
    "steven": ["steve"],
    "andrew": ["andy"],
    "kenneth": ["ken"],
    "edward": ["ed", "ted"],
    "timothy": ["tim"],
    "elizabeth": ["liz", "beth", "betty"],
    "margaret": ["peggy", "maggie"],
    "patricia": ["pat", "patty"],
    "jennifer": ["jen", "jenny"],
    "katherine": ["kate", "kathy"],
    "deborah": ["deb", "debbie"],
    "susan": ["sue"],
    "barbara": ["barb"],
    "pamela": ["pam"],
    "samantha": ["sam"],
    "victoria": ["vicky"],
    "nicholas": ["nick"],
    "samuel": ["sam"],
    "benjamin": ["ben"],
    "gregory": ["greg"],
    "lawrence": ["larry"],
    "ronald": ["ron"],
    "donald": ["don"],
    "alexander": ["alex"],
    "jeffrey": ["jeff"],
    "gerald": ["jerry"],
}


@dataclass
class Person:
    cluster: int
    first: str
    middle: str
    last: str
    dob: dt.date
    sex: str
    phone: str  # ten digits
    email: str
    street: str
    town: tuple[str, str, str]


def _phone_text(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice(
        [f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a}{b}{c}", f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}"]
    )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    op = rng.choice(["sub", "del", "swap", "ins"])
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "sub":
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    if op == "del":
        return word[:i] + word[i + 1 :]
    if op == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(letters) + word[i:]


def _case(rng: random.Random, word: str) -> str:
    return rng.choice([word.title(), word.title(), word.upper(), word.lower()])


def _new_person(
    rng: random.Random, cluster: int, last: str | None = None, town=None, street=None, phone=None
) -> Person:
    sex = rng.choice("MF")
    first = rng.choice(MALE if sex == "M" else FEMALE)
    middle = rng.choice(MALE if sex == "M" else FEMALE)
    last = last or rng.choice(SURNAMES)
    dob = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 65))
    town = town or rng.choice(TOWNS)
    phone = phone or town[2] + str(rng.randrange(200, 999)) + f"{rng.randrange(0, 10000):04d}"
    street = street or f"{rng.randrange(100, 9999)} {rng.choice(STREETS).title()} {rng.choice(STREET_TYPES)}"
    email = f"{first}.{last}{rng.randrange(1, 9999)}@{rng.choice(['example.com', 'example.net', 'example.org'])}"
    return Person(cluster, first, middle, last, dob, sex, phone, email, street, town)


def _record(rng: random.Random, p: Person, rid: str, noisy: bool) -> dict[str, str]:
    first, last, dob, phone, street, town, email = p.first, p.last, p.dob, p.phone, p.street, p.town, p.email
    if noisy:
        if rng.random() < 0.18 and first in NICKS:
            first = rng.choice(NICKS[first])
        elif rng.random() < 0.10:
            first = _typo(rng, first)
        if rng.random() < 0.15:
            last = _typo(rng, last)
        if p.sex == "F" and rng.random() < 0.04:
            last = rng.choice(SURNAMES)  # married name
        r = rng.random()
        if r < 0.06 and dob.day <= 12:
            dob = dob.replace(month=dob.day, day=dob.month)
        elif r < 0.12:
            text = dob.strftime("%Y%m%d")
            i = rng.choice([3, 5, 7])
            text = text[:i] + str(rng.randrange(10)) + text[i + 1 :]
            with contextlib.suppress(ValueError):  # an impossible date: keep the true one
                dob = dt.datetime.strptime(text, "%Y%m%d").date()
        if rng.random() < 0.12:
            town = rng.choice(TOWNS)
            street = f"{rng.randrange(100, 9999)} {rng.choice(STREETS).title()} {rng.choice(STREET_TYPES)}"
        if rng.random() < 0.10:
            phone = town[2] + str(rng.randrange(200, 999)) + f"{rng.randrange(0, 10000):04d}"
    dob_text = rng.choice([dob.isoformat(), dob.strftime("%m/%d/%Y"), dob.strftime("%-m/%-d/%Y")])
    return {
        "record_id": rid,
        "first_name": _case(rng, first),
        "middle_name": _case(rng, p.middle) if rng.random() < 0.3 else "",
        "last_name": _case(rng, last),
        "dob": "" if noisy and rng.random() < 0.10 else dob_text,
        "sex": p.sex if rng.random() < 0.9 else "",
        "phone": "" if rng.random() < 0.35 else _phone_text(rng, phone),
        "email": "" if rng.random() < 0.5 else (email.upper() if rng.random() < 0.2 else email),
        "address": "" if rng.random() < 0.25 else f"{street}, {town[0]}, WI {town[1]}",
        "true_id": str(p.cluster),
    }


def generate(
    n_people: int = 5000, seed: int = 20261124, dup_rate: float = 0.5, relatives: float = 0.12
) -> list[dict[str, str]]:
    """Records for `n_people` invented people; about `dup_rate` of them appear 2–4 times with errors.

    `true_id` holds the person each record describes (the label); `record_id` is unique.
    """
    rng = random.Random(seed)
    people: list[Person] = []
    for c in range(n_people):
        if people and rng.random() < relatives:
            kin = rng.choice(people)  # a relative: same surname, home and phone, different person
            people.append(_new_person(rng, c, kin.last, kin.town, kin.street, kin.phone))
        else:
            people.append(_new_person(rng, c))
    records: list[dict[str, str]] = []
    for p in people:
        copies = 1
        if rng.random() < dup_rate:
            copies += rng.choice([1, 1, 1, 2, 2, 3])
        for k in range(copies):
            records.append(_record(rng, p, f"R{len(records) + 1:07d}", noisy=k > 0))
    rng.shuffle(records)
    return records


def true_pairs(records: list[dict[str, str]]) -> int:
    from collections import Counter

    return sum(n * (n - 1) // 2 for n in Counter(r["true_id"] for r in records).values())


def pairwise_scores(records: list[dict[str, str]], predicted: list) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against `true_id`."""
    from collections import Counter, defaultdict

    by_cluster: dict = defaultdict(list)
    for rec, c in zip(records, predicted, strict=True):
        by_cluster[c].append(rec["true_id"])
    tp = fp = 0
    for members in by_cluster.values():
        n = len(members)
        same = sum(v * (v - 1) // 2 for v in Counter(members).values())
        tp += same
        fp += n * (n - 1) // 2 - same
    actual = true_pairs(records)
    fn = actual - tp
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": actual, "tp": tp, "fp": fp, "fn": fn}
