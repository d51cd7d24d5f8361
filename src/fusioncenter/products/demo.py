"""Demo products: one of each type, clearly fictional, with different audiences and markings, taken
through the same services as real ones (review, privacy review, release, feedback). Idempotent."""

from __future__ import annotations

from typing import TextIO

from django.db import transaction

from fusioncenter.core.models import Organization, User

from . import distribution, external, services
from .models import ExternalItem, Product
from .reference import load_product_types

NTK = "Demo: partners' official duties in the jurisdictions named in the audience."

PRODUCTS = [
    ("intelligence_bulletin", {
        "title": "Catalytic converter thefts shift to fleet yards (demo)", "tlp": "AMBER", "les": True,
        "record_class": "law_enforcement",
        "sections": {"summary": "Thefts of catalytic converters in the demo area have moved from street parking to "
                                "**fleet yards** at night.",
                     "details": "- 14 incidents in 6 weeks (fictional)\n- Cutting tools left at two scenes",
                     "actions": "Increase patrols near fleet yards between 01:00 and 04:00."}},
     [("discipline", "le_local"), ("discipline", "le_state")]),
    ("situational_awareness", {
        "title": "Water main break closes Demo Avenue (demo)", "tlp": "GREEN", "record_class": "partner",
        "sections": {"what": "A water main break closed Demo Avenue between 1st and 4th Streets at 06:10.",
                     "next": "Next update at 10:00."}},
     [("center", "WSIC")]),
    ("officer_safety", {
        "title": "Armed subject known to barricade (demo)", "tlp": "AMBER", "les": True, "names_person": True,
        "record_class": "law_enforcement",
        "sections": {"threat": "A fictional subject, Demo Person 7, has threatened officers during two contacts.",
                     "details": "Known to keep a rifle in the vehicle (fictional).",
                     "actions": "Request backup before contact; notify the demo duty sergeant."}},
     [("organization", "CCPD"), ("organization", "SP9")]),
    ("bolo", {
        "title": "BOLO: stolen demo box truck DEMO123 (demo)", "tlp": "AMBER", "les": True, "names_person": False,
        "record_class": "law_enforcement",
        "sections": {"subject": "White box truck, plate DEMO123 (fictional), last seen northbound.",
                     "reason": "Stolen with a load of copper wire.",
                     "contact": "Do not pursue; call the demo dispatch center."}},
     [("county", "55025")]),
    ("intelligence_assessment", {
        "title": "Outlook for ransomware against county governments (demo)", "tlp": "AMBER+STRICT",
        "cui": "CUI//SP-INV", "record_class": "law_enforcement",
        "sections": {"key_judgments": "We assess with **moderate confidence** that ransomware attempts on "
                                      "county networks will rise in the next quarter (fictional).",
                     "discussion": "Based on fictional reporting from demo partners."}},
     [("role", "partner_officer")]),
    ("threat_assessment", {
        "title": "Threat assessment: demo water utility (demo)", "tlp": "AMBER", "les": False,
        "record_class": "partner",
        "sections": {"scope": "The fictional Demo Water Utility, November.", "threat": "Low; no specific threat.",
                     "vulnerability": "Remote pump stations lack cameras.",
                     "consequence": "Service loss to 20,000 fictional customers."}},
     [("liaison", "liaison_officer"), ("discipline", "private_sector")]),
    ("special_event", {
        "title": "Demo County Fair special event assessment (demo)", "tlp": "GREEN", "record_class": "partner",
        "sections": {"event": "Demo County Fair, 4 days, 60,000 visitors expected (fictional).",
                     "threat": "No specific, credible threat known.",
                     "considerations": "Heat, crowd density at the grandstand, parking traffic."}},
     [("discipline", "emergency_management"), ("discipline", "fire"), ("discipline", "public_health"),
      ("liaison", "liaison_officer")]),
]


def _terms(terms: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for kind, value in terms:
        if kind == "organization":
            org = Organization.objects.filter(acronym=value).first()
            if org is None:
                continue
            value = str(org.pk)
        out.append((kind, value))
    return out


@transaction.atomic
def load(stdout: TextIO) -> None:
    if Product.objects.filter(title__endswith="(demo)").exists():
        stdout.write("Demo products already loaded.\n")
        return
    load_product_types()
    analyst = User.objects.filter(username="analyst.wsic").first()
    supervisor = User.objects.filter(username="supervisor.wsic").first()
    privacy = User.objects.filter(username="privacy.officer").first()
    if not (analyst and supervisor and privacy):
        stdout.write("Demo products skipped: the core demo accounts are missing.\n")
        return
    released = []
    for type_code, data, terms in PRODUCTS:
        product = services.create(analyst, type_code, {**data, "audience": _terms(terms)})
        product = services.submit(analyst, product)
        if product.status == "peer_review":
            product = services.review(supervisor, product, True, "Demo peer review: sources and markings checked.")
            product = services.review(supervisor, product, True)
        if product.status == "privacy_review":
            product = services.review(privacy, product, True, "Demo privacy review: person named only as needed.")
        released.append(distribution.publish(analyst, product, need_to_know=NTK))
    # One left in review, so the review queue shows something.
    draft = services.create(analyst, "intelligence_bulletin", {
        "title": "Skimmers found at demo fuel stations (demo)", "sections": {
            "summary": "Card skimmers found at three demo stations.", "details": "Fictional details."},
        "audience": [("discipline", "le_local")]})
    services.submit(analyst, draft)
    # A federal alert passed on with its original marking.
    item, _ = ExternalItem.objects.get_or_create(
        identifier="demo-federal-1", subscription=None, defaults={
            "source": ExternalItem.Source.UPLOAD, "originator": "Demo Federal Partner",
            "title": "Roll Call Release: drone sightings near critical infrastructure (demo)",
            "body": "Fictional indicators of drone reconnaissance near substations.",
            "original_marking": "UNCLASSIFIED", "tlp": "GREEN", "record_class": "partner",
            "center": analyst.center, "created_by": analyst})
    released.append(external.pass_on(analyst, item, [("center", "WSIC"), ("center", "STAC")],
                                     note="Passed on for awareness (demo)."))
    # Feedback from one recipient of each released product who may give it.
    for product in released:
        reader = product.disseminations.values_list("recipient", flat=True).first()
        if reader:
            services.give_feedback(User.objects.get(pk=reader), product, {
                "usefulness": 4, "relevant": True, "timely": True, "action": "briefed",
                "comment": "Demo feedback."})
    stdout.write(f"Demo products: {len(released)} released, 1 in review.\n")
