"""CAP 1.2 messages in the IPAWS profile: build, check, sign.

Built with lxml in the element order the OASIS schema fixes. What the schema does not check is
checked here before a message is stored (`check`): the CAP 1.2 rules (offsets instead of "Z", no
spaces, commas, "<" or "&" in identifier and sender, closed polygons of four or more points,
references never to itself) and the IPAWS 1.0 profile (code IPAWSv1.0, expires present, exactly one
SAME eventCode of three letters, at least one area, SAME geocodes of six digits, WEA text lengths).

Choices (from shared/domain/alerts-and-missing-persons.md §5): every missing-person program uses
category Rescue, as the OASIS AMBER example does; AMBER carries SAME CAE; Silver, Green, Missing
Child and Missing/Endangered carry MEP (FCC 24-83, in force 8 Sep 2025), with BLOCKCHANNEL
parameters keeping them off EAS (and off WEA for Green and Missing/Endangered) as their programs
say. Crime alerts (WCAN) are not CAP/IPAWS messages.

Signing: an enveloped XML signature (signxml, RSA-SHA256) with the key and certificate named by the
settings FUSIONCENTER_CAP_SIGNING_KEY and FUSIONCENTER_CAP_SIGNING_CERT (PEM files); unsigned when
they are not set. Messages are written without indentation, so a consumer that drops blank text
(as capvalidator does) verifies the same bytes that were signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from lxml import etree

NS = "urn:oasis:names:tc:emergency:cap:1.2"
DS = "http://www.w3.org/2000/09/xmldsig#"
IPAWS_CODE = "IPAWSv1.0"
HEADLINE_MAX = 160  # CAP 1.2 §3.2.2: "160 characters MAY be a useful target limit"
CMAM_TEXT_MAX = 90
CMAM_LONG_MAX = 360
LOCAL = ZoneInfo("America/Chicago")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[-+]\d{2}:\d{2}$")
_BAD_ID = re.compile(r"[\s,<&]")
# GSM 03.38 basic character set (no extension table), which WEA text must keep to.
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def cap_time(moment: dt.datetime) -> str:
    """CAP date-time: local time with its real offset, never "Z" (IPAWS wants the real offset)."""
    local = moment.astimezone(LOCAL).replace(microsecond=0)
    text = local.isoformat()
    return text if not text.endswith("+00:00") else text[:-6] + "-00:00"


def gsm7(text: str) -> str:
    """Replace what the GSM 7-bit alphabet lacks, so WEA text is safe on every handset."""
    table = {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
    out = "".join(table.get(ch, ch) for ch in text)
    return "".join(ch if ch in _GSM7 else "?" for ch in out)


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


@dataclass
class Resource:
    description: str
    mime_type: str
    size: int
    uri: str
    digest: str  # SHA-1 hex, as CAP 1.2 §3.2.3 specifies for <digest>


@dataclass
class Area:
    description: str
    polygons: list[str] = field(default_factory=list)
    same_codes: list[str] = field(default_factory=list)


@dataclass
class Content:
    """Everything one CAP message says. The service fills it from the public Alert only."""

    identifier: str
    sender: str
    sent: dt.datetime
    status: str
    msg_type: str
    event: str
    category: str
    urgency: str
    severity: str
    certainty: str
    same_code: str
    expires: dt.datetime
    sender_name: str
    headline: str
    description: str
    instruction: str
    web: str
    contact: str
    areas: list[Area]
    references: list[str] = field(default_factory=list)
    note: str = ""
    cmam_text: str = ""
    cmam_long: str = ""
    blocked_channels: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    language: str = "en-US"
    response_type: str = ""


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _pair(parent: etree._Element, tag: str, name: str, value: str) -> None:
    el = _sub(parent, tag)
    _sub(el, "valueName", name)
    _sub(el, "value", value)


def build(c: Content) -> bytes:
    """The CAP 1.2 XML of one message, elements in schema order."""
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(root, "identifier", c.identifier)
    _sub(root, "sender", c.sender)
    _sub(root, "sent", cap_time(c.sent))
    _sub(root, "status", c.status)
    _sub(root, "msgType", c.msg_type)
    _sub(root, "scope", "Public")
    _sub(root, "code", IPAWS_CODE)
    if c.note:
        _sub(root, "note", c.note)
    if c.references:
        _sub(root, "references", " ".join(c.references))
    info = _sub(root, "info")
    _sub(info, "language", c.language)
    _sub(info, "category", c.category)
    _sub(info, "event", c.event)
    if c.response_type:
        _sub(info, "responseType", c.response_type)
    _sub(info, "urgency", c.urgency)
    _sub(info, "severity", c.severity)
    _sub(info, "certainty", c.certainty)
    _pair(info, "eventCode", "SAME", c.same_code)
    _sub(info, "expires", cap_time(c.expires))
    _sub(info, "senderName", c.sender_name)
    _sub(info, "headline", clip(c.headline, HEADLINE_MAX))
    _sub(info, "description", c.description)
    _sub(info, "instruction", c.instruction)
    _sub(info, "web", c.web)
    _sub(info, "contact", c.contact)
    _pair(info, "parameter", "EAS-ORG", "CIV")
    for channel in c.blocked_channels:
        _pair(info, "parameter", "BLOCKCHANNEL", channel)
    if c.cmam_text:
        _pair(info, "parameter", "CMAMtext", gsm7(clip(c.cmam_text, CMAM_TEXT_MAX)))
    if c.cmam_long:
        _pair(info, "parameter", "CMAMlongtext", gsm7(clip(c.cmam_long, CMAM_LONG_MAX)))
    for r in c.resources:
        res = _sub(info, "resource")
        _sub(res, "resourceDesc", r.description)
        _sub(res, "mimeType", r.mime_type)
        _sub(res, "size", str(r.size))
        _sub(res, "uri", r.uri)
        _sub(res, "digest", r.digest)
    for a in c.areas:
        area = _sub(info, "area")
        _sub(area, "areaDesc", a.description)
        for poly in a.polygons:
            _sub(area, "polygon", poly)
        for code in a.same_codes:
            _pair(area, "geocode", "SAME", code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- checks the schema does not make ----------------------------------------------------------------


def _texts(root: etree._Element, path: str) -> list[str]:
    return [el.text or "" for el in root.iterfind(path, {"cap": NS})]


def check(xml: bytes) -> list[str]:
    """Problems against the CAP 1.2 rules and the IPAWS 1.0 profile; empty when the message is good."""
    problems: list[str] = []
    root = etree.fromstring(xml, parser=safe_parser())
    ns = {"cap": NS}
    ident = root.findtext("cap:identifier", namespaces=ns) or ""
    sender = root.findtext("cap:sender", namespaces=ns) or ""
    sent = root.findtext("cap:sent", namespaces=ns) or ""
    for name, value in (("identifier", ident), ("sender", sender)):
        if not value or _BAD_ID.search(value):
            problems.append(f"{name} must be non-empty without spaces, commas, '<' or '&'")
    for value in [sent, *_texts(root, "cap:info/cap:expires")]:
        if not _DATE.match(value):
            problems.append(f"date-time {value!r} must carry a numeric offset (no 'Z')")
    if IPAWS_CODE not in _texts(root, "cap:code"):
        problems.append("IPAWS: <code>IPAWSv1.0</code> is required")
    refs = (root.findtext("cap:references", namespaces=ns) or "").split()
    msg_type = root.findtext("cap:msgType", namespaces=ns)
    if msg_type in ("Update", "Cancel") and not refs:
        problems.append(f"{msg_type} must reference the earlier messages")
    for ref in refs:
        parts = ref.split(",")
        if len(parts) != 3 or not _DATE.match(parts[2]):
            problems.append(f"reference {ref!r} is not sender,identifier,sent")
        elif parts[1] == ident:
            problems.append("a message must not reference itself")
    infos = root.findall("cap:info", ns)
    if not infos:
        problems.append("IPAWS: at least one <info> is required")
    for info in infos:
        if info.find("cap:expires", ns) is None:
            problems.append("IPAWS: <expires> is required")
        same = [
            ec.findtext("cap:value", namespaces=ns) or ""
            for ec in info.findall("cap:eventCode", ns)
            if ec.findtext("cap:valueName", namespaces=ns) == "SAME"
        ]
        if len(same) != 1 or not re.fullmatch(r"[A-Z]{3}", same[0]):
            problems.append("IPAWS: exactly one SAME eventCode of three capital letters is required")
        if len(info.findtext("cap:headline", default="", namespaces=ns)) > HEADLINE_MAX:
            problems.append(f"headline longer than {HEADLINE_MAX} characters")
        for p in info.findall("cap:parameter", ns):
            name, value = (
                p.findtext("cap:valueName", namespaces=ns),
                p.findtext("cap:value", default="", namespaces=ns),
            )
            limit = {"CMAMtext": CMAM_TEXT_MAX, "CMAMlongtext": CMAM_LONG_MAX}.get(name or "")
            if limit and (len(value) > limit or any(ch not in _GSM7 for ch in value)):
                problems.append(f"{name} must be at most {limit} GSM 7-bit characters")
        areas = info.findall("cap:area", ns)
        if not areas:
            problems.append("IPAWS: at least one <area> is required")
        for area in areas:
            for poly in _texts(area, "cap:polygon"):
                pairs = poly.split()
                if len(pairs) < 4 or pairs[0] != pairs[-1]:
                    problems.append("polygon must have at least 4 points and be closed (first = last)")
            for g in area.findall("cap:geocode", ns):
                if g.findtext("cap:valueName", namespaces=ns) == "SAME" and not re.fullmatch(
                    r"\d{6}", g.findtext("cap:value", default="", namespaces=ns)
                ):
                    problems.append("SAME geocode must be six digits")
        for tag in ("description", "instruction", "headline"):
            if re.search(r"<[a-zA-Z/]", info.findtext(f"cap:{tag}", default="", namespaces=ns)):
                problems.append(f"{tag} must not contain HTML")
    return problems


def safe_parser() -> etree.XMLParser:
    """Hostile input: no entities, no network, no huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def parse(xml: bytes) -> dict:
    """The fields of a CAP message this platform reads back (ingest of other senders' alerts, tests)."""
    root = etree.fromstring(xml, parser=safe_parser())
    ns = {"cap": NS}
    if etree.QName(root).namespace != NS:
        raise ValueError("Not a CAP 1.2 message.")
    info = root.find("cap:info", ns)

    def text(el: etree._Element | None, tag: str) -> str:
        return (el.findtext(f"cap:{tag}", default="", namespaces=ns) if el is not None else "").strip()

    return {
        "identifier": text(root, "identifier"),
        "sender": text(root, "sender"),
        "sent": text(root, "sent"),
        "status": text(root, "status"),
        "msgType": text(root, "msgType"),
        "scope": text(root, "scope"),
        "references": text(root, "references").split(),
        "event": text(info, "event"),
        "headline": text(info, "headline"),
        "expires": text(info, "expires"),
        "eventCodes": [
            (text(e, "valueName"), text(e, "value"))
            for e in (info.findall("cap:eventCode", ns) if info is not None else [])
        ],
        "areas": [
            {
                "areaDesc": text(a, "areaDesc"),
                "polygons": _texts(a, "cap:polygon"),
                "geocodes": [(text(g, "valueName"), text(g, "value")) for g in a.findall("cap:geocode", ns)],
            }
            for a in (info.findall("cap:area", ns) if info is not None else [])
        ],
        "signed": root.find(f"{{{DS}}}Signature") is not None,
    }


# --- signature --------------------------------------------------------------------------------------


def signing_material() -> tuple[bytes, bytes] | None:
    key = getattr(settings, "FUSIONCENTER_CAP_SIGNING_KEY", "")
    cert = getattr(settings, "FUSIONCENTER_CAP_SIGNING_CERT", "")
    if not key or not cert:
        return None
    return Path(key).read_bytes(), Path(cert).read_bytes()


def sign(xml: bytes, key_pem: bytes, cert_pem: bytes) -> bytes:
    """An enveloped signature over the whole alert, placed last as the schema's xmldsig slot allows."""
    from signxml import XMLSigner, methods

    root = etree.fromstring(xml, parser=safe_parser())
    signed = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256").sign(
        root, key=key_pem, cert=cert_pem
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def verify(xml: bytes, cert_pem: bytes) -> bool:
    from signxml import InvalidSignature, XMLVerifier

    try:
        XMLVerifier().verify(etree.fromstring(xml, parser=safe_parser()), x509_cert=cert_pem)
    except InvalidSignature:
        return False
    return True


def digest(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()
