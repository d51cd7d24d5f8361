"""Missing-person cases as a mention and search source (clearinghouse/indexing.py).

Cases are opened and changed through the clearinghouse services; the index follows in the task that
the save enqueues on commit (the immediate backend under test).
"""

from __future__ import annotations

import pytest

from fusioncenter.entities import search
from fusioncenter.entities.models import Mention, SearchDocument
from tests.clearinghouse import conftest as case_fixtures
from tests.clearinghouse.conftest import case_fields

# the clearinghouse tests' agencies and people, shared rather than written twice
_media, agency, other_agency = case_fixtures._media, case_fixtures.agency, case_fixtures.other_agency
officer, other_officer, analyst = case_fixtures.officer, case_fixtures.other_officer, case_fixtures.analyst

pytestmark = pytest.mark.django_db

LABEL = "clearinghouse.missingpersoncase"


@pytest.fixture
def open_case(officer, django_capture_on_commit_callbacks):
    from fusioncenter.clearinghouse import services

    def make(**over):
        with django_capture_on_commit_callbacks(execute=True):
            return services.open_case(officer, case_fields(**over))

    return make


def mentions_of(case):
    return Mention.objects.filter(source_type=LABEL, source_id=str(case.pk))


def test_a_case_names_the_person_vehicle_companion_and_reporting_party(open_case):
    case = open_case(alternate_names="Tessa Fictional; T. Fictional")
    rows = {(m.entity_type, m.field): m for m in mentions_of(case)}
    person = rows[("person", "missing_person")]
    assert person.attributes.get("dob") == "2011-05-04" and person.raw_value == "Tess Fictional"
    assert rows[("vehicle", "vehicle")].normalized == "ABC123"
    assert rows[("vehicle", "vehicle")].attributes.get("plate_state") == "WI"
    assert ("person", "companion") in rows and ("person", "reporting_party") in rows
    assert ("person", "alternate_name") in rows
    assert ("location", "last_seen_place") in rows
    assert all(m.observed_at == case.last_seen_at for m in rows.values())
    assert all(m.source_organization_id == case.owner_organization_id for m in rows.values())
    # the investigator is the agency's desk, not a link between cases
    assert not mentions_of(case).filter(raw_value__icontains="MARKER-INVNAME").exists()
    doc = SearchDocument.objects.get(source_type=LABEL, source_id=str(case.pk))
    assert case.reference in doc.title and doc.county_fips == case.last_seen_county.fips
    assert doc.category == "EMI"


def test_an_edit_reindexes(open_case, officer, django_capture_on_commit_callbacks):
    from fusioncenter.clearinghouse import services

    case = open_case()
    assert mentions_of(case).filter(normalized="ABC123").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_case(officer, case, {"vehicles": [{"make": "Ford", "plate": "XYZ 987", "state": "WI"}]})
    assert mentions_of(case).filter(entity_type="vehicle", normalized="XYZ987").exists()
    assert not mentions_of(case).filter(normalized="ABC123").exists()
    assert "xyz987" in SearchDocument.objects.get(source_type=LABEL, source_id=str(case.pk)).keys.lower()


def test_two_cases_share_a_vehicle_and_only_their_readers_see_it(open_case, officer, other_officer, analyst,
                                                                 make_user, make_org, client, signed_in):
    """The case is law-enforcement information shared with its agencies: another agency's officer
    sees neither the case, nor the entity built from it, nor its point on the map."""
    case = open_case()
    vehicle = mentions_of(case).get(entity_type="vehicle").entity
    c = signed_in(client, analyst)
    html = c.get(f"/entities/{vehicle.pk}/").content.decode()
    assert f"Missing-person case {case.reference}" in html
    hits, _ = search.search(analyst, "ABC 123")
    assert LABEL in {h.document.source_type for h in hits}

    client.logout()
    c = signed_in(client, other_officer)
    assert c.get(f"/entities/{vehicle.pk}/").status_code == 404
    hits, _ = search.search(other_officer, "ABC 123")
    assert not hits
    hits, _ = search.search(other_officer, "Fictional")
    assert not hits

    client.logout()
    member = make_user("partner_member", make_org("Fictional Parks Dept", discipline="public_works"))
    c = signed_in(client, member)
    assert c.get(f"/entities/{vehicle.pk}/").status_code == 404


def test_a_deleted_case_leaves_no_copy(open_case):
    from fusioncenter.clearinghouse.models import MissingPersonCase

    case = open_case()
    pk = str(case.pk)
    assert mentions_of(case).exists()
    MissingPersonCase.objects.filter(pk=case.pk).delete()
    assert not Mention.objects.filter(source_type=LABEL, source_id=pk).exists()
    assert not SearchDocument.objects.filter(source_type=LABEL, source_id=pk).exists()


def test_a_case_and_another_record_meet_on_a_plate(open_case, analyst, make_dossier):
    """Two sources, one entity: the case's van and another record's plate resolve together."""
    from fusioncenter.core.markings import TLP
    from fusioncenter.entities import services

    case = open_case()
    other = make_dossier("plate=WI ABC-123", user=analyst, tlp=TLP.GREEN)
    services.index_record(other)
    vehicle = mentions_of(case).get(entity_type="vehicle").entity
    assert Mention.objects.get(source_type="access_app.dossier", source_id=str(other.pk)).entity_id == vehicle.pk


def test_a_purged_case_leaves_no_copy_in_the_index(open_case, make_user, analyst):
    """The privacy app's purge (retention) removes the case and, in the same transaction, its index copy."""
    from fusioncenter.privacy.retention import purge_record

    case = open_case()
    pk = str(case.pk)
    assert mentions_of(case).exists()
    purge_record(make_user("privacy_officer", analyst.organization), case, reason="Retention period ended.")
    assert not Mention.objects.filter(source_type=LABEL, source_id=pk).exists()
    assert not SearchDocument.objects.filter(source_type=LABEL, source_id=pk).exists()
    hits, _ = search.search(analyst, "Fictional")
    assert not hits
