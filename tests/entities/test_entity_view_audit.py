"""Looking at an entity is looking at the records behind it: audited by page and API, ids only, and an
entity out of reach answers like one that does not exist."""

import pytest

from fusioncenter.core.markings import TLP
from fusioncenter.core.models import AuditEntry
from fusioncenter.entities import search, services
from fusioncenter.entities.models import Mention

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_dossier, make_user):
    analyst = make_user("analyst")
    d = make_dossier("person=Jennifer Kowalski|1975-11-20; phone=608-555-0142", user=analyst, tlp=TLP.AMBER)
    services.index_record(d)
    search.index_record(d)
    return analyst, Mention.objects.get(source_id=str(d.pk), entity_type="person").entity


def test_page_and_api_views_are_audited_by_id(person, client, signed_in, api_token):
    analyst, entity = person
    token = api_token(analyst)
    assert signed_in(client, analyst).get(f"/entities/{entity.pk}/").status_code == 200
    assert client.get(f"/api/v1/search/entities/{entity.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    views = AuditEntry.objects.filter(action="entities.view", object_id=str(entity.pk), actor_id=analyst.pk)
    assert views.count() == 2
    assert all("Kowalski" not in str(v.detail) for v in views)


def test_an_entity_out_of_reach_answers_like_a_missing_one(person, client, make_user, make_org, api_token):
    _, entity = person
    outsider = make_user("partner_officer", make_org("Far Away PD", county="Douglas"))
    token = api_token(outsider)
    hidden = client.get(f"/api/v1/search/entities/{entity.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    missing = client.get("/api/v1/search/entities/999999", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert hidden.status_code == missing.status_code == 404
    assert not AuditEntry.objects.filter(action="entities.view", actor_id=outsider.pk).exists()
    with pytest.raises(LookupError):
        services.get_entity(outsider, entity.pk)
