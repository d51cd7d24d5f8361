"""The link chart grows in place: `expand` adds an entity's own links; filters and access still apply."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from fusioncenter.core.markings import TLP
from fusioncenter.entities import graph, registry, services
from fusioncenter.entities.models import Entity, Mention

from .conftest import extract

pytestmark = pytest.mark.django_db


def _date(dossier):
    for part in dossier.title.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "on":
            return dt.datetime.fromisoformat(value.strip()).replace(tzinfo=dt.UTC)
    return None


@pytest.fixture
def chain(dossier_source, make_dossier, make_user):
    """plate -(dossier 1, January)- phone -(dossier 2, February)- person: a chain of two records."""
    registry.register_mention_source(dossier_source, extract, describe=lambda d: f"Dossier {d.pk}",
                                     url=lambda d: f"/dossier/{d.pk}", date=_date)
    analyst = make_user("analyst")
    one = make_dossier("plate=EXP 101; phone=608-555-0161; on=2026-01-05", user=analyst, tlp=TLP.GREEN)
    two = make_dossier("phone=(608) 555-0161; person=Marta Lindqvist|1979-02-11; on=2026-02-03", user=analyst,
                       tlp=TLP.GREEN)
    for d in (one, two):
        services.index_record(d)

    def entity(kind: str) -> Entity:
        return Mention.objects.filter(entity_type=kind).first().entity

    return analyst, entity("vehicle"), entity("phone"), entity("person"), one, two


def _nodes(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-entity="(\d+)"', html)}


def test_expanding_a_neighbor_adds_its_links(chain, client, signed_in):
    analyst, plate, phone, person, *_ = chain
    c = signed_in(client, analyst)
    assert _nodes(c.get(f"/entities/{plate.pk}/").content.decode()) == {plate.pk, phone.pk}
    html = c.get(f"/entities/{plate.pk}/?expand={phone.pk}").content.decode()
    assert _nodes(html) == {plate.pk, phone.pk, person.pk}
    assert f'data-entity="{phone.pk}" data-expanded="true"' in html
    assert f'<input type="hidden" name="expand" id="id_expand" value="{phone.pk}">' in html
    # without script the table's link grows the chart; the expanded entity says so
    assert "Add its links" in html and "Shown" in html


def test_the_fragment_is_the_chart_alone(chain, client, signed_in):
    analyst, plate, phone, person, *_ = chain
    resp = signed_in(client, analyst).get(f"/entities/{plate.pk}/?expand={phone.pk}&partial=chart")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "<html" not in html and "<h1" not in html
    assert _nodes(html) == {plate.pk, phone.pk, person.pk}
    assert f"expand={phone.pk}&amp;format=graphml" in html


def test_an_entity_not_on_the_chart_is_not_expanded(chain, client, signed_in):
    analyst, plate, phone, person, *_ = chain
    html = signed_in(client, analyst).get(f"/entities/{plate.pk}/?expand={person.pk}&partial=chart").content.decode()
    assert _nodes(html) == {plate.pk, phone.pk}
    assert signed_in(client, analyst).get(f"/entities/{plate.pk}/?expand=x,,{phone.pk}").status_code == 200


def test_filters_apply_to_the_expansion(chain, client, signed_in):
    analyst, plate, phone, person, *_ = chain
    c = signed_in(client, analyst)
    html = c.get(f"/entities/{plate.pk}/?expand={phone.pk}&to=2026-01-31&partial=chart").content.decode()
    assert _nodes(html) == {plate.pk, phone.pk}, "the February link is outside the dates asked for"
    html = c.get(f"/entities/{plate.pk}/?expand={phone.pk}&link_type=other&partial=chart").content.decode()
    assert _nodes(html) == {plate.pk}, "only the entity itself: no link of that type"


def test_exports_carry_the_expansion(chain, client, signed_in):
    analyst, plate, phone, person, *_ = chain
    c = signed_in(client, analyst)
    gml = c.get(f"/entities/{plate.pk}/?expand={phone.pk}&format=graphml").content.decode()
    assert gml.count("<node ") == 3
    rows = c.get(f"/entities/{plate.pk}/?expand={phone.pk}&format=csv").content.decode().splitlines()
    assert len(rows) == 3


def test_an_expansion_never_crosses_a_record_the_reader_may_not_see(dossier_source, make_dossier, make_user,
                                                                      make_org, client, signed_in):
    reader = make_user("partner_officer", make_org("Reader PD"))
    owner = make_user("partner_officer", make_org("Owner PD"))
    mine = make_dossier("plate=EXP 202; phone=608-555-0162", user=reader, tlp=TLP.AMBER_STRICT)
    theirs = make_dossier("phone=608-555-0162; person=Oskar Brandt|1970-06-01", user=owner, tlp=TLP.AMBER_STRICT)
    for d in (mine, theirs):
        services.index_record(d)
    plate = Mention.objects.get(source_id=str(mine.pk), entity_type="vehicle").entity
    phone = Mention.objects.get(source_id=str(mine.pk), entity_type="phone").entity
    person = Mention.objects.get(source_id=str(theirs.pk), entity_type="person").entity
    html = signed_in(client, reader).get(f"/entities/{plate.pk}/?expand={phone.pk}&partial=chart").content.decode()
    assert _nodes(html) == {plate.pk, phone.pk}
    assert person.display not in html and "Brandt" not in html


def test_expanded_neighbors_sit_on_an_outer_ring(chain):
    analyst, plate, phone, person, *_ = chain
    g = graph.neighborhood(analyst, plate, expand=[phone.pk])
    assert g.expanded == [phone.pk]
    pos = graph.layout(g, plate.pk, 560)
    cx, cy = pos[plate.pk]
    r_phone = math.dist(pos[phone.pk], (cx, cy))
    r_person = math.dist(pos[person.pk], (cx, cy))
    assert 0 < r_phone < r_person <= 560 / 2
    svg = graph.to_svg(g, plate.pk)
    assert "graph-node--expanded" in svg and "links shown" in svg
