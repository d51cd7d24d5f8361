"""Correlation notices to both records' owners; watchlists notify only of records the watcher may see."""

import pytest

from fusioncenter.core.markings import TLP
from fusioncenter.delivery.models import Delivery, Message
from fusioncenter.entities import search, services
from fusioncenter.entities.models import Mention
from fusioncenter.entities.watch import toggle_entity_watch, watch_search

pytestmark = pytest.mark.django_db


def notices_for(user):
    return Message.objects.filter(deliveries__recipient=user, deliveries__channel="portal")


def test_owners_of_both_records_are_told(make_dossier, make_user, make_org, django_capture_on_commit_callbacks):
    dane_officer = make_user("partner_officer", org=make_org(county="Dane"))
    kenosha_officer = make_user("partner_officer", org=make_org(county="Kenosha"))
    first = make_dossier("plate=WI ABC-1234", user=dane_officer, tlp=TLP.AMBER)
    with django_capture_on_commit_callbacks(execute=True):
        services.index_record(first)
    assert not notices_for(dane_officer).exists()
    second = make_dossier("plate=abc 1234", user=kenosha_officer, tlp=TLP.AMBER)
    with django_capture_on_commit_callbacks(execute=True):
        services.index_record(second)
    new_owner = notices_for(kenosha_officer).get()
    old_owner = notices_for(dane_officer).get()
    assert "shares a vehicle" in new_owner.text_body
    # each sees the other's record only if the access rules allow: AMBER of another agency is not
    assert "a record you may not see" in new_owner.text_body
    assert "a record you may not see" in old_owner.text_body
    assert "ABC" not in new_owner.text_body + old_owner.text_body  # no plate in the inbox
    assert (old_owner.source_type, old_owner.source_id) == ("access_app.dossier", str(first.pk))


def test_visible_other_record_is_named(make_dossier, make_user, make_org, django_capture_on_commit_callbacks):
    org = make_org()
    a_owner, b_owner = make_user("partner_officer", org=org), make_user("partner_officer", org=org)
    a = make_dossier("phone=608-555-0177", user=a_owner, tlp=TLP.GREEN)
    b = make_dossier("phone=(608) 555 0177", user=b_owner, tlp=TLP.GREEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.index_record(a)
        services.index_record(b)
    assert f"Dossier {a.pk} (/dossier/{a.pk})" in notices_for(b_owner).get().text_body


def test_over_correlation_guard(make_dossier, make_user, django_capture_on_commit_callbacks, settings):
    from fusioncenter.entities import notify

    owner = make_user("partner_officer")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(notify.CORRELATION_LIMIT + 1):
            services.index_record(make_dossier("phone=608-555-0000", user=owner))
    before = notices_for(owner).count()
    late = make_user("partner_officer")
    with django_capture_on_commit_callbacks(execute=True):
        services.index_record(make_dossier("phone=608-555-0000", user=late))
    assert not notices_for(late).exists()
    assert notices_for(owner).count() == before


def test_entity_watch_only_for_visible_records(make_dossier, make_user, make_org,
                                               django_capture_on_commit_callbacks):
    analyst = make_user("analyst")
    first = make_dossier("plate=WAT 100", org=analyst.organization, tlp=TLP.GREEN)
    services.index_record(first)
    vehicle = Mention.objects.get(source_id=str(first.pk)).entity
    assert toggle_entity_watch(analyst, vehicle)
    other_org = make_org()
    hidden = make_dossier("plate=WAT-100", org=other_org, tlp=TLP.AMBER_STRICT)
    with django_capture_on_commit_callbacks(execute=True):
        services.index_record(hidden)
    assert not Message.objects.filter(subject__startswith="Watched", deliveries__recipient=analyst).exists()
    seen = make_dossier("plate=wat100", org=other_org, tlp=TLP.GREEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.index_record(seen)
    msg = Message.objects.get(subject__startswith="Watched", deliveries__recipient=analyst)
    assert f"Dossier {seen.pk}" in msg.text_body


def test_saved_search_watch(make_dossier, make_user, make_org, django_capture_on_commit_callbacks):
    user = make_user("partner_officer")
    watch_search(user, "drone permits")
    with django_capture_on_commit_callbacks(execute=True):
        search.index_record(make_dossier("note=asked about drone permits at the airport", tlp=TLP.AMBER_STRICT))
        search.index_record(make_dossier("note=asked about drone permits near the stadium", tlp=TLP.GREEN))
        search.index_record(make_dossier("note=nothing related", tlp=TLP.GREEN))
    assert Message.objects.filter(subject="Saved search: new match", deliveries__recipient=user).count() == 1
    assert Delivery.objects.filter(recipient=user).count() == 1
