"""Normalizers: turn a value however it was written into the one form the index matches on.

`ABC-1234`, `abc 1234` and `ABC1234` are one plate; `(608) 555-0134` and `608.555.0134` one phone;
`Bill` and `William` one given name (in comparison, not in display). Each function returns None
when the value cannot be understood, so callers can report the row instead of indexing junk.
Pure functions, no Django: the batch resolver and the benchmark use them outside the project.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
import unicodedata
from functools import lru_cache
from pathlib import Path

import phonenumbers

DATA = Path(__file__).resolve().parent / "data"

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)
_NON_ALNUM = re.compile(r"[^A-Z0-9]")
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})


# --- vehicles -------------------------------------------------------------------------------------


def plate(value: str | None, state: str | None = None) -> tuple[str, str] | None:
    """(plate, state): letters and digits only, upper case; a leading state code is split off.

    `WI ABC-1234` → ("ABC1234", "WI"). The state is kept as an attribute, not in the key, so a
    plate reported without its state still meets the same plate reported with it.
    """
    if not value:
        return None
    text = str(value).upper().strip()
    st = (state or "").strip().upper()
    parts = text.replace(":", " ").split()
    if len(parts) >= 2 and parts[0] in US_STATES and not st:
        st, text = parts[0], " ".join(parts[1:])
    key = _NON_ALNUM.sub("", text)
    if not 2 <= len(key) <= 10:
        return None
    return key, (st if st in US_STATES else "")


_VIN_MAP = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(value: str | None) -> str | None:
    """A 17-character VIN (no I, O or Q), upper case, separators removed; None otherwise."""
    if not value:
        return None
    key = _NON_ALNUM.sub("", str(value).upper())
    if len(key) != 17 or any(c not in _VIN_MAP for c in key):
        return None
    return key


def vin_check_digit_ok(key: str) -> bool:
    """The North American check digit (position 9). Foreign VINs may fail it and still be real."""
    total = sum(_VIN_MAP[c] * w for c, w in zip(key, _VIN_WEIGHTS, strict=True))
    expected = "X" if total % 11 == 10 else str(total % 11)
    return key[8] == expected


# --- phones and e-mail ----------------------------------------------------------------------------


def phone(value: str | None, region: str = "US") -> str | None:
    """E.164 (`+16085550134`), U.S. by default; None when it is not a possible number."""
    if not value:
        return None
    return _phone(str(value).strip(), region)


# An import normalizes a row's phone three times (the row's check, the person's profile, the phone's
# own mention) and its e-mail as often, a chunk apart: cached, the second and third cost a lookup.
@lru_cache(maxsize=65536)
def _phone(text: str, region: str) -> str | None:
    if region == "US" and not text.startswith("+") or text.startswith("+1"):
        # Fast path for the common North American forms; anything else goes to phonenumbers.
        digits = re.sub(r"\D", "", text)
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]
        if len(digits) == 10 and digits[0] in "23456789" and re.fullmatch(r"[\d\s().+\-/]+", text):
            return "+1" + digits
        if len(digits) < 10:
            return None  # a local number without its area code is not one number
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(value: str | None) -> str | None:
    """Lower case, trimmed, `mailto:` removed; None unless it looks like local@domain.tld."""
    if not value:
        return None
    return _email(str(value))


@lru_cache(maxsize=65536)  # as `_phone`
def _email(value: str) -> str | None:
    text = value.strip().lower()
    if text.startswith("mailto:"):
        text = text[7:]
    return text if _EMAIL.match(text) else None


# --- names ----------------------------------------------------------------------------------------


def fold(value: str | None) -> str:
    """Lower case ASCII letters, digits and single spaces: accents, apostrophes and dots dropped."""
    if not value:
        return ""
    return _fold(str(value))


def without_accents(text: str) -> str:
    """`text` with its accents taken off and nothing else changed (`Muñoz` → `Munoz`; other scripts
    kept): the part of `fold` that search also needs on its own, for words of any script."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=262144)
def _fold(value: str) -> str:
    text = without_accents(value).lower()
    text = re.sub(r"['’`.]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return _SPACES.sub(" ", text).strip()


def name_part(value: str | None) -> str:
    """One name part for comparison: folded, spaces and hyphens removed (`Mc Donald` = `McDonald`)."""
    return fold(value).replace(" ", "")


def split_name(full: str | None) -> tuple[str, str, str]:
    """(first, middle, last) from `Last, First Middle` or `First Middle Last`; suffixes dropped."""
    if not full:
        return "", "", ""
    text = str(full).strip()
    if "," in text:
        last, _, rest = text.partition(",")
        words = [w for w in fold(rest).split() if w not in SUFFIXES]
        last_words = [w for w in fold(last).split() if w not in SUFFIXES]
        return (words[0] if words else "", " ".join(words[1:]), "".join(last_words))
    words = [w for w in fold(text).split() if w not in SUFFIXES]
    if not words:
        return "", "", ""
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


@lru_cache(maxsize=1)
def nickname_table() -> dict[str, frozenset[str]]:
    """Each name → the formal names it may stand for (and a formal name → itself)."""
    table: dict[str, set[str]] = {}
    with (DATA / "nicknames.csv").open(encoding="utf-8") as fh:
        for row in csv.reader(line for line in fh if line.strip() and not line.startswith("#")):
            nick, formal = row[0].strip(), row[1].strip()
            table.setdefault(nick, set()).add(formal)
            table.setdefault(formal, set()).add(formal)
    return {k: frozenset(v) for k, v in table.items()}


def formal_names(first: str) -> frozenset[str]:
    """The formal names a given name may stand for: `bill` → {william}; unknown → itself."""
    key = name_part(first)
    return nickname_table().get(key, frozenset({key})) if key else frozenset()


def nickname_equivalent(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return bool(formal_names(a) & formal_names(b))


_SOUNDEX = {
    c: d
    for d, letters in {"1": "bfpv", "2": "cgjkqsxz", "3": "dt", "4": "l", "5": "mn", "6": "r"}.items()
    for c in letters
}


@lru_cache(maxsize=262144)
def soundex(value: str | None) -> str:
    """American Soundex (`Robert` → R163): the blocking key that survives most surname typos."""
    text = name_part(value)
    text = "".join(c for c in text if c.isalpha())
    if not text:
        return ""
    out = [text[0].upper()]
    last = _SOUNDEX.get(text[0], "")
    for c in text[1:]:
        code = _SOUNDEX.get(c, "")
        if code and code != last:
            out.append(code)
            if len(out) == 4:
                break
        if c not in "hw":
            last = code
    return "".join(out).ljust(4, "0")


# --- dates ----------------------------------------------------------------------------------------

_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_US = re.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})$")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m-%d-%Y",
    "%Y%m%d",
    "%m/%d/%y",
    "%d %B %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%Y/%m/%d",
)


def date_of_birth(value: str | dt.date | None, today: dt.date | None = None) -> dt.date | None:
    """A date of birth from the usual U.S. spellings; two-digit years are placed in the past."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _date_text(str(value).strip(), today or _today())


_TODAY: tuple[float, dt.date] = (0.0, dt.date.min)  # (when it was worked out, today's date)


def _today() -> dt.date:
    """Today's date, worked out at most once a second. `date.today()` asks the C library for the
    local time, which checks the time zone file each time (0.47 µs of a 0.83 µs cached date here),
    and an import reads three or four dates per row. The real date, as before, not the services'
    movable `core.clock.today()`: that costs 4.5 µs a call here, and no test moves a birth date's
    "not in the future"."""
    global _TODAY
    now = time.time()
    if not 0 <= now - _TODAY[0] < 1:
        _TODAY = (now, dt.date.today())
    return _TODAY[1]


@lru_cache(maxsize=65536)
def _date_text(text: str, today: dt.date) -> dt.date | None:
    """Cached (as `_phone`): an import checks each row's date of birth, then reads it again for its
    person, and partner files repeat dates."""
    m = _ISO.match(text) or _US.match(text)
    if m:
        y, mo, d = (int(m["y"]), int(m["m"]), int(m["d"]))
        try:
            parsed = dt.date(y, mo, d)
        except ValueError:
            return None
        return parsed if dt.date(1880, 1, 1) <= parsed <= today else None
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt == "%m/%d/%y" and parsed > today:
            parsed = parsed.replace(year=parsed.year - 100)
        if parsed > today or parsed.year < 1880:
            return None
        return parsed
    return None


# --- addresses ------------------------------------------------------------------------------------

_STREET_TYPES = {
    "street": "st",
    "st": "st",
    "avenue": "ave",
    "ave": "ave",
    "av": "ave",
    "road": "rd",
    "rd": "rd",
    "drive": "dr",
    "dr": "dr",
    "lane": "ln",
    "ln": "ln",
    "court": "ct",
    "ct": "ct",
    "boulevard": "blvd",
    "blvd": "blvd",
    "place": "pl",
    "pl": "pl",
    "circle": "cir",
    "cir": "cir",
    "highway": "hwy",
    "hwy": "hwy",
    "parkway": "pkwy",
    "pkwy": "pkwy",
    "terrace": "ter",
    "ter": "ter",
    "trail": "trl",
    "trl": "trl",
    "way": "way",
    "square": "sq",
    "sq": "sq",
}
_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "n": "n",
    "s": "s",
    "e": "e",
    "w": "w",
    "ne": "ne",
    "nw": "nw",
    "se": "se",
    "sw": "sw",
}


_SIMPLE_ADDRESS = re.compile(
    r"^(?P<number>\d+[a-z]?) (?:(?P<pre>n|s|e|w|north|south|east|west) )?(?P<name>[a-z0-9 ]+?) "
    r"(?P<type>" + "|".join(sorted(_STREET_TYPES, key=len, reverse=True)) + r")"
    r"(?: (?P<post>n|s|e|w))?(?: (?P<city>[a-z ]+?))?(?: (?P<state>[a-z]{2}))?(?: (?P<zip>\d{5})(?:\d{4})?)?$"
)


@lru_cache(maxsize=65536)
def address(value: str | None) -> dict[str, str] | None:
    """Cached: partner files repeat addresses, and parsing is the slowest normalizer."""
    return _address(value)


def _fast_address(text: str) -> dict[str, str] | None:
    """`123 N Main St, Madison, WI 53703` without the statistical tagger (about 50x faster)."""
    folded = fold(text)
    if "," not in text:
        return None
    m = _SIMPLE_ADDRESS.match(folded)
    if not m or (m["state"] and m["state"].upper() not in US_STATES):
        return None
    street = [m["number"]]
    if m["pre"]:
        street.append(_DIRECTIONS[m["pre"]])
    street += [m["name"], _STREET_TYPES[m["type"]]]
    if m["post"]:
        street.append(_DIRECTIONS[m["post"]])
    line = " ".join(street)
    city = (m["city"] or "").strip()
    zip_code = m["zip"] or ""
    return {
        "line": line,
        "city": city,
        "state": (m["state"] or "").upper(),
        "zip": zip_code,
        "key": f"{line}|{zip_code or city}",
    }


def _address(value: str | None) -> dict[str, str] | None:
    """{line, city, state, zip, key} with standard abbreviations; key is `line|zip` (or `line|city`).

    Uses usaddress's tagger; an address it cannot tag falls back to the folded text, so nothing the
    partner sent is lost, but only a street number and name make a key.
    """
    if not value or not str(value).strip():
        return None
    text = str(value).strip()
    fast = _fast_address(text)
    if fast is not None:
        return fast
    import usaddress

    try:
        tagged, _kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        tagged = {}
    parts: list[str] = []
    for label in (
        "AddressNumber",
        "StreetNamePreDirectional",
        "StreetName",
        "StreetNamePostType",
        "StreetNamePostDirectional",
        "OccupancyType",
        "OccupancyIdentifier",
    ):
        raw = fold(tagged.get(label, ""))
        if not raw:
            continue
        if label == "StreetNamePostType":
            raw = _STREET_TYPES.get(raw, raw)
        elif label.endswith("Directional"):
            raw = _DIRECTIONS.get(raw, raw)
        elif label == "OccupancyType":
            raw = "unit"
        parts.append(raw)
    line = " ".join(parts)
    city = fold(tagged.get("PlaceName", ""))
    state = fold(tagged.get("StateName", "")).upper()[:2]
    zip_code = re.sub(r"\D", "", tagged.get("ZipCode", ""))[:5]
    if not tagged.get("AddressNumber") or not tagged.get("StreetName"):
        line = fold(text)
        return {"line": line, "city": city, "state": state, "zip": zip_code, "key": ""}
    key = f"{line}|{zip_code or city}"
    return {"line": line, "city": city, "state": state, "zip": zip_code, "key": key}


def identifier_document(kind: str | None, value: str | None, state: str | None = None) -> str | None:
    """`DL:WI:S1234567...`: the document kind, issuing state (if any) and the number, alphanumerics only."""
    number = _NON_ALNUM.sub("", str(value or "").upper())
    if len(number) < 3:
        return None
    kind_key = _NON_ALNUM.sub("", str(kind or "ID").upper()) or "ID"
    st = (state or "").strip().upper()
    return f"{kind_key}:{st}:{number}" if st else f"{kind_key}:{number}"


def text_key(value: str | None) -> str | None:
    """Folded text, for types with no better normal form (organizations, weapons, events)."""
    key = fold(value)
    return key or None
