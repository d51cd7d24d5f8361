"""The third unusual-access rule: searches that reach a person with no linked record.

Real parts: the test-only Dossier registered as a mention and search source, the entity index and
the full-text search; the entities app notes unlinked person hits in the audit (ids only), and the
privacy console lists them per user.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from fusioncenter.core import clock
from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.models import AuditEntry, NeedToKnow, Share
from fusioncenter.entities import oversight as entity_oversight
from fusioncenter.entities import registry, search, services
from fusioncenter.entities.models import Mention
from fusioncenter.privacy import oversight
from tests.entities.conftest import extract

SURNAME = "Quaxworthy"
ACTION = "entities.search_unlinked_person"


@pytest.fixture
def indexed(db, make_org, make_user):
    """Two dossiers about the same person (one written by the author), one about someone else."""
    from tests.access_app.models import Dossier

    registry.register_mention_source(Dossier, extract, describe=lambda d: f"Dossier {d.pk}")
    registry.register_search_source(Dossier, lambda d: {"title": f"Dossier {d.pk}", "body": d.title,
                                                        "keys": [m.value for m in extract(d)]})
    org = make_org()
    author = make_user("analyst", org)
    docs = []
    for title, by in ((f"person=Zeb {SURNAME}|1980-05-03; plate=WI ABC-1234", author),
                      (f"person=Zeb {SURNAME}|1980-05-03; phone=608-555-0134", None),
                      ("person=Other Person|1970-01-01; noted Quaxworthy street", None)):
        d = Dossier.objects.create(title=title, tlp=TLP.GREEN, record_class=RecordClass.LAW_ENFORCEMENT,
                                   owner_organization=org, center=org.center, created_by=by)
        services.index_record(d)
        search.index_record(d)
        docs.append(d)
    yield author, docs
    registry.unregister("access_app.dossier")


def _person_id(dossier) -> int:
    return Mention.objects.get(source_type="access_app.dossier", source_id=str(dossier.pk),
                               entity_type="person").entity_id


def test_a_search_reaching_a_person_with_no_linked_record_is_audited_by_id(indexed, make_user):
    author, (mine, theirs, other) = indexed
    stranger = make_user("analyst")
    hits, _ = search.search(stranger, SURNAME)
    assert {h.document.source_id for h in hits} == {str(mine.pk), str(theirs.pk), str(other.pk)}
    entry = AuditEntry.objects.get(action=ACTION)
    assert entry.actor_id == stranger.pk
    assert sorted(entry.detail["entities"]) == sorted({_person_id(mine), _person_id(other)})
    assert SURNAME not in str(entry.detail) and "Zeb" not in str(entry.detail)


def test_one_linked_record_about_the_person_is_enough(indexed, make_user):
    author, (mine, theirs, other) = indexed
    search.search(author, SURNAME)  # wrote one of Zeb's dossiers: Zeb is linked, the other person is not
    assert AuditEntry.objects.get(action=ACTION).detail["entities"] == [_person_id(other)]
    ct = ContentType.objects.get_for_model(type(theirs))
    shared_to = make_user("analyst")
    Share.objects.create(content_type=ct, object_id=str(theirs.pk), user=shared_to, reason="Joint case 26-1.")
    org_member = make_user("analyst")
    Share.objects.create(content_type=ct, object_id=str(other.pk), organization=org_member.organization,
                         reason="Referred to their agency.")
    stated = make_user("analyst")
    NeedToKnow.objects.create(content_type=ct, object_id=str(theirs.pk), user=stated, statement="Case 26-2 lead.",
                              expires_at=clock.now() - dt.timedelta(days=1))  # expired: still a tie
    assert entity_oversight.unlinked_persons(shared_to, {("access_app.dossier", str(mine.pk))}) == []
    assert entity_oversight.unlinked_persons(stated, {("access_app.dossier", str(mine.pk))}) == []
    assert entity_oversight.unlinked_persons(org_member, {("access_app.dossier", str(other.pk))}) == []
    assert entity_oversight.unlinked_persons(org_member, {("access_app.dossier", str(mine.pk))}) == [
        _person_id(mine)]


def test_searches_without_people_or_by_the_privacy_officer_are_not_noted(indexed, make_user):
    stranger = make_user("analyst")
    hits, _ = search.search(stranger, "ABC1234")  # a plate: the record names Zeb, so this is noted
    assert len(hits) == 1 and AuditEntry.objects.filter(action=ACTION).count() == 1
    assert search.search(stranger, "nothingmatchesthis")[0] == []
    officer = make_user("privacy_officer")
    assert search.search(officer, SURNAME)[0]
    assert AuditEntry.objects.filter(action=ACTION).count() == 1


def test_the_console_lists_unlinked_searches_per_user(indexed, make_user, signed_in, client):
    stranger = make_user("analyst")
    search.search(stranger, SURNAME)
    search.search(stranger, "Zeb")
    author = indexed[0]
    search.search(author, "Zeb")  # only Zeb: linked, nothing noted
    [finding] = [f for f in oversight.unusual_access() if f.kind == "unlinked_search"]
    assert (finding.user_id, finding.count) == (stranger.pk, 2)
    assert "reached 2 people" in finding.detail
    officer = make_user("privacy_officer")
    page = signed_in(client, officer).get(reverse("privacy:unusual")).content.decode()
    assert "unlinked_search" in page and stranger.username in page
    rows = {(s, m): v for s, m, v in oversight.annual_report(finding.first.year)}
    assert rows[("Unusual access", "unlinked search")] == 1
