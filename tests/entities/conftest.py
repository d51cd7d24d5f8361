"""The test-only Dossier registered as a mention and search source.

A dossier's title carries what it mentions, e.g. "plate=WI ABC-1234; phone=608-555-0134;
person=John Smith|1980-05-03", so each test writes its records in one line.
"""

from __future__ import annotations

import pytest

from fusioncenter.entities import registry
from fusioncenter.entities.schema import MentionInput


def extract(dossier) -> list[MentionInput]:
    out = []
    for part in dossier.title.split(";"):
        kind, _, value = part.strip().partition("=")
        if not value:
            continue
        if kind == "person":
            name, _, dob = value.partition("|")
            first, _, last = name.strip().partition(" ")
            out.append(MentionInput("person", "subject", name.strip(),
                                    {"first_name": first, "last_name": last, "dob": dob.strip()}))
        elif kind == "plate":
            out.append(MentionInput("vehicle", "plate", value.strip()))
        else:
            out.append(MentionInput(kind, kind, value.strip()))
    return out


@pytest.fixture
def dossier_source(db):
    from tests.access_app.models import Dossier

    registry.register_mention_source(Dossier, extract, describe=lambda d: f"Dossier {d.pk}",
                                     url=lambda d: f"/dossier/{d.pk}")
    registry.register_search_source(Dossier, lambda d: {"title": f"Dossier {d.pk}", "body": d.title,
                                                        "keys": [m.value for m in extract(d)]},
                                    lambda d: {"county_fips": "55025", "category": "test"},
                                    url=lambda d: f"/dossier/{d.pk}")
    yield Dossier
    registry.unregister("access_app.dossier")


@pytest.fixture
def make_dossier(dossier_source, make_org):
    from fusioncenter.core.markings import TLP, RecordClass

    def make(title: str, *, org=None, user=None, tlp=TLP.GREEN, record_class=RecordClass.LAW_ENFORCEMENT,
             center=None):
        org = org or (user.organization if user else make_org())
        return dossier_source.objects.create(title=title, tlp=tlp, record_class=record_class,
                                             owner_organization=org, center=center or org.center,
                                             created_by=user)

    return make
