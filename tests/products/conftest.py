"""People and organizations for the product tests: WSIC's staff, a partner agency in the audience,
one outside it, and helpers that take a product through review."""

from __future__ import annotations

import pytest

from tests.delivery.conftest import smtp_sink  # noqa: F401 - the real SMTP server fixture

BULLETIN = {
    "title": "Copper theft ring targets rail signal cabinets",
    "tlp": "AMBER",
    "record_class": "law_enforcement",
    "les": True,
    "sections": {
        "summary": "Thieves have cut **copper** from rail signal cabinets in Dane County.",
        "details": "Three incidents since October.\n\n<script>alert(1)</script>[x](javascript:alert(1))",
    },
}


@pytest.fixture
def people(make_org, make_user, centers):
    wsic = make_org("WSIC (test)", discipline="le_state", county="Dane", center=centers["WSIC"],
                    is_fusion_center=True)
    madison = make_org("Madison PD (test)", discipline="le_local", county="Dane")
    racine = make_org("Racine PD (test)", discipline="le_local", county="Racine")
    utility = make_org("Example Power Co (test)", discipline="private_sector", county="Dane")
    return {
        "wsic": wsic, "madison": madison, "racine": racine, "utility": utility,
        "analyst": make_user("analyst", wsic, username="ana"),
        "peer": make_user("analyst", wsic, username="peer"),
        "supervisor": make_user("supervisor", wsic, username="sup", sworn=True),
        "privacy": make_user("privacy_officer", wsic, username="priv"),
        "officer": make_user("partner_officer", madison, username="officer"),
        "member": make_user("partner_member", madison, username="member"),
        "outsider": make_user("partner_officer", racine, username="outsider"),
        "utility_member": make_user("partner_member", utility, username="utility"),
    }


def organization_terms(*orgs) -> list[tuple[str, str]]:
    return [("organization", str(o.pk)) for o in orgs]


@pytest.fixture
def approved(people):
    """approved(data=None, audience=None) -> a bulletin taken through peer and supervisor review."""
    from fusioncenter.products import services

    def make(data=None, audience=None, type_code="intelligence_bulletin"):
        data = dict(data or BULLETIN)
        data["audience"] = audience if audience is not None else organization_terms(people["madison"])
        product = services.create(people["analyst"], type_code, data)
        product = services.submit(people["analyst"], product)
        if product.status == "peer_review":
            product = services.review(people["peer"], product, True, "Sources check out.")
            product = services.review(people["supervisor"], product, True)
        if product.status == "privacy_review":
            product = services.review(people["privacy"], product, True)
        return product

    return make


@pytest.fixture
def published(people, approved):
    from fusioncenter.products import distribution

    def make(**kw):
        product = approved(**kw)
        return distribution.publish(people["analyst"], product,
                                    need_to_know="Rail-crime investigations in the recipients' jurisdictions.")

    return make
