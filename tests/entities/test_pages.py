"""Pages: search, entity (explanation, decisions, chart, exports, path, timeline, map), review."""

import pytest

from fusioncenter.core.markings import TLP
from fusioncenter.entities import search, services
from fusioncenter.entities.models import MatchDecision, Mention

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(make_dossier, make_user):
    analyst = make_user("analyst")
    a = make_dossier("plate=CHT 123; phone=608-555-0142", user=analyst, tlp=TLP.GREEN)
    b = make_dossier("plate=cht-123; person=Jennifer Kowalski|1975-11-20", user=analyst, tlp=TLP.GREEN)
    for d in (a, b):
        services.index_record(d)
        search.index_record(d)
    vehicle = Mention.objects.get(source_id=str(a.pk), entity_type="vehicle").entity
    return analyst, a, b, vehicle


def test_entity_page_shows_explanation_chart_timeline_and_map(linked, client, signed_in):
    analyst, a, b, vehicle = linked
    c = signed_in(client, analyst)
    resp = c.get(f"/entities/{vehicle.pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "same value after normalization" in html
    assert "<svg" in html and "Link chart" in html
    assert f"Dossier {a.pk}" in html and f"Dossier {b.pk}" in html
    assert "Confirm match" in html


def test_confirm_from_the_page(linked, client, signed_in):
    analyst, a, b, vehicle = linked
    c = signed_in(client, analyst)
    matched = Mention.objects.get(source_id=str(b.pk), entity_type="vehicle")
    page = c.get(f"/entities/{vehicle.pk}/").content.decode()
    assert f'action="/entities/mentions/{matched.pk}/confirm"' in page  # an automatic match with no row yet
    resp = c.post(f"/entities/mentions/{matched.pk}/confirm")
    assert resp.status_code == 302
    auto = MatchDecision.objects.get(kind="auto", mention=matched)  # written when decided
    assert auto.status == "done"
    assert MatchDecision.objects.filter(kind="confirm", entity=vehicle).exists()
    page = c.get(f"/entities/{vehicle.pk}/").content.decode()
    assert f"/entities/mentions/{matched.pk}/confirm" not in page  # decided: shown by its row now
    resp = c.post(f"/entities/mentions/{matched.pk}/confirm", follow=True)
    assert "already decided" in resp.content.decode()
    resp = c.post(f"/entities/decisions/{auto.pk}/confirm", follow=True)
    assert "already decided" in resp.content.decode()
    first = Mention.objects.get(source_id=str(a.pk), entity_type="vehicle")  # made the entity: no match
    resp = c.post(f"/entities/mentions/{first.pk}/confirm", follow=True)
    assert "not matched automatically" in resp.content.decode()
    assert c.post("/entities/mentions/999999/confirm").status_code == 404
    assert c.post(f"/entities/mentions/{matched.pk}/undo").status_code == 404


def test_review_queue_lists_automatic_matches_across_records(linked, client, signed_in):
    analyst, a, b, vehicle = linked
    matched = Mention.objects.get(source_id=str(b.pk), entity_type="vehicle")
    html = signed_in(client, analyst).get("/entities/review/?kind=auto").content.decode()
    assert html.count(f'href="/entities/{vehicle.pk}/#automatic-{matched.pk}"') == 1
    assert f"Dossier {b.pk}" in html and f"Dossier {a.pk}" not in html  # the first made the entity
    services.confirm(analyst, services.automatic_match(analyst, matched.pk))
    assert f'href="/entities/{vehicle.pk}/' not in client.get("/entities/review/?kind=auto").content.decode()


def test_exports_and_path(linked, client, signed_in):
    analyst, a, b, vehicle = linked
    c = signed_in(client, analyst)
    gml = c.get(f"/entities/{vehicle.pk}/?format=graphml")
    assert gml["Content-Type"].startswith("application/graphml+xml")
    assert gml.content.count(b"<node ") == 3
    rows = c.get(f"/entities/{vehicle.pk}/?format=csv").content.decode().splitlines()
    assert rows[0].startswith("from_id") and len(rows) == 3
    phone = Mention.objects.get(entity_type="phone").entity
    person = Mention.objects.get(entity_type="person").entity
    html = c.get(f"/entities/{phone.pk}/?path_to={person.pk}").content.decode()
    assert "Jennifer Kowalski" in html and "CHT123" in html


def test_entity_hidden_from_those_who_may_not_see_its_records(make_dossier, make_user, client, signed_in):
    d = make_dossier("plate=HID 999", tlp=TLP.AMBER_STRICT)
    services.index_record(d)
    vehicle = Mention.objects.get(source_id=str(d.pk)).entity
    outsider = make_user("partner_officer")
    assert signed_in(client, outsider).get(f"/entities/{vehicle.pk}/").status_code == 404
    assert client.get(f"/entities/{vehicle.pk}/?format=graphml").status_code == 404


def test_partner_may_not_decide(linked, make_user, client, signed_in):
    analyst, a, b, vehicle = linked
    officer = make_user("partner_officer")
    c = signed_in(client, officer)
    html = c.get(f"/entities/{vehicle.pk}/").content.decode()
    assert "Confirm match" not in html
    matched = Mention.objects.get(source_id=str(b.pk), entity_type="vehicle")
    assert c.post(f"/entities/mentions/{matched.pk}/confirm").status_code == 404
    assert not MatchDecision.objects.filter(kind="auto").exists()  # nothing written for a refused user
    auto = services.automatic_match(analyst, matched.pk)
    assert c.post(f"/entities/decisions/{auto}/confirm").status_code == 404


def test_search_page_and_review(linked, client, signed_in):
    analyst, a, b, vehicle = linked
    c = signed_in(client, analyst)
    html = c.get("/search/", {"q": "cht 123"}).content.decode()
    assert "2 records" in html
    assert f"/entities/{vehicle.pk}/" in html
    assert c.get("/search/", {"q": "x", "from": "not-a-date"}).status_code == 200
    review = c.get("/entities/review/", {"kind": "auto"}).content.decode()
    assert f"/entities/{vehicle.pk}/" in review
    assert client.get("/search/").status_code == 200


def test_search_page_says_what_is_wrong_with_its_dates(linked, client, signed_in, monkeypatch):
    analyst, *_ = linked
    c = signed_in(client, analyst)
    html = c.get("/search/", {"q": "cht 123", "from": "2024-13-45"}).content.decode()
    assert "“2024-13-45” is not a date" in html and 'aria-invalid="true"' in html
    assert "Correct the dates above to search." in html and "you may see match" not in html
    html = c.get("/search/", {"q": "cht 123", "from": "2025-02-01", "to": "2025-01-01"}).content.decode()
    assert "The end date is before the start date." in html and "you may see match" not in html
    html = c.get("/search/", {"q": "cht 123", "from": "2000-01-01", "to": "2000-01-01"}).content.decode()
    assert "you may see match" in html and "usa-error-message" not in html  # one day: a valid range
    monkeypatch.setattr(search, "MAX_CANDIDATES", 2)  # the total is counted up to it
    assert "2 or more records you may see match" in c.get("/search/", {"q": "cht 123"}).content.decode()


def test_merge_split_and_watch_forms(linked, client, signed_in):
    analyst, a, b, vehicle = linked
    c = signed_in(client, analyst)
    phone = Mention.objects.get(entity_type="phone").entity
    resp = c.post(f"/entities/{phone.pk}/merge", {"into": str(vehicle.pk)}, follow=True)
    assert "same type" in resp.content.decode()
    resp = c.post(f"/entities/{vehicle.pk}/split", {"mention": []}, follow=True)
    assert "Choose mentions" in resp.content.decode()
    resp = c.post(f"/entities/{vehicle.pk}/watch", follow=True)
    assert "You will be told" in resp.content.decode()
    resp = c.post("/search/watch", {"q": "cht"}, follow=True)
    assert resp.status_code == 200
