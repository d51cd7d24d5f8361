"""Intake through the services: routing, validation, the public form's protections."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fusioncenter.core import clock
from fusioncenter.core.models import AuditEntry, RateAttempt
from fusioncenter.core.roles import Role
from fusioncenter.sar import receipts, services
from fusioncenter.sar.models import Report, Source, State

from .conftest import as_service, png_with_gps

PUBLIC = {"summary": "Someone was cutting the fence at the water tower", "narrative": "Tonight around 9.",
          "county": "Milwaukee"}


def test_partner_report_routes_by_county_and_starts_as_a_tip(submit, centers):
    dane = submit()
    milwaukee = submit(county="Milwaukee")
    assert (dane.center.code, dane.county.name) == ("WSIC", "Dane")
    assert (milwaukee.center.code, milwaukee.county.name) == ("STAC", "Milwaukee")
    assert dane.state == State.RECEIVED and dane.record_class == "law_enforcement" and not dane.ise_sar
    assert dane.source == Source.PARTNER_FORM and dane.reporting_agency.name == "Madison PD (test)"
    assert dane.retention_until == clock.today() + dt.timedelta(days=730)
    assert receipts.is_well_formed(dane.receipt) and dane.receipt != milwaukee.receipt
    assert sorted(dane.category_codes) == ["ELICIT", "PHOTO", "SURVL"]
    assert dane.vehicles.get().plate_key == "ABC1234"
    assert dane.identifiers.get().key == "+16085550142"


def test_unplaceable_report_is_flagged_to_the_primary_center(submit):
    report = submit(county="Atlantis", location_address="", location_place="Somewhere")
    assert report.routing_flagged and report.center.code == "WSIC" and "Atlantis" in report.routing_reason


def test_point_on_the_map_derives_the_county(submit):
    report = submit(county="", latitude=43.0389, longitude=-87.9065, location_address="")  # Milwaukee
    assert report.county.name == "Milwaukee" and report.center.code == "STAC"


def test_validation_names_the_field_and_rule(staff, payload):
    data = as_service(payload(categories=["NOPE"], narrative="short", grading_scheme="us4x4",
                              source_reliability="A"))
    data["observed_at"] = clock.now() + dt.timedelta(days=2)
    data["vehicles"] = [{"vin": "1M8GDM9A1KP042788", "plate_state": "ZZ"}]
    with pytest.raises(ValidationError) as exc:
        services.submit_partner(staff["officer"], data)
    errors = {f: e[0].code for f, e in exc.value.error_dict.items()}
    assert errors == {"categories": "choice", "narrative": "min_length", "observed_at": "not_future",
                      "source_reliability": "choice", "vehicles.0.vin": "vin", "vehicles.0.plate_state": "choice"}
    assert Report.objects.count() == 0


def test_only_submitting_roles_may_submit(staff, payload):
    with pytest.raises(PermissionDenied):
        services.submit_partner(staff["member"], as_service(payload()))


def test_public_report_with_photo(centers, settings):
    result = services.submit_public(PUBLIC, [("IMG_0001.png", png_with_gps())], source_address="198.51.100.7")
    report = result.report
    assert result.receipt == report.receipt and report.source == Source.PUBLIC_WEB and report.anonymous
    assert report.center.code == "STAC" and report.created_by is None
    att = report.attachments.get()
    from fusioncenter.sar import attachments
    assert attachments.path_for(str(att.uuid)).exists() and att.content_type == "image/png"
    entry = AuditEntry.objects.filter(action="create", object_id=str(report.pk)).get()
    assert entry.actor == "anonymous" and "fence" not in str(entry.detail)


def test_public_report_needs_what_and_where(centers):
    with pytest.raises(ValidationError) as exc:
        services.submit_public({"summary": "", "narrative": ""}, [], source_address="198.51.100.8")
    assert set(exc.value.error_dict) == {"summary", "location"}


def test_too_many_files_is_refused_and_nothing_is_written(centers, settings, tmp_path):
    files = [(f"p{i}.png", png_with_gps()) for i in range(6)]
    with pytest.raises(ValidationError) as exc:
        services.submit_public(PUBLIC, files, source_address="198.51.100.9")
    assert exc.value.error_dict["attachments"][0].code == "max_items"
    assert Report.objects.count() == 0


def test_honeypot_answers_normally_and_stores_nothing(centers):
    result = services.submit_public(PUBLIC, [], honeypot="http://spam.example", source_address="198.51.100.10")
    assert result.report is None and receipts.is_well_formed(result.receipt)
    assert Report.objects.count() == 0
    assert AuditEntry.objects.filter(action="sar_public_honeypot").count() == 1


def test_rate_limit_per_address(centers):
    for _ in range(5):
        services.submit_public(PUBLIC, [], source_address="203.0.113.5")
    with pytest.raises(services.RateLimited):
        services.submit_public(PUBLIC, [], source_address="203.0.113.5")
    services.submit_public(PUBLIC, [], source_address="203.0.113.6")  # another address is not affected
    assert RateAttempt.objects.filter(bucket="sar.public").count() == 6
    assert not RateAttempt.objects.filter(key__contains="203.0.113").exists()  # stored only as a keyed hash
    clock.advance(dt.timedelta(minutes=11))
    services.submit_public(PUBLIC, [], source_address="203.0.113.5")
    assert Report.objects.count() == 7


def test_liaison_officer_submits_and_reads_it_back_but_no_other_liaison_does(make_user, payload):
    liaison = make_user(Role.LIAISON_OFFICER)
    report = services.submit_partner(liaison, as_service(payload()))
    from fusioncenter.core import access
    assert services.get_for(liaison, report.pk) == report  # the author reads back (see test_submitter_read_back)
    with pytest.raises(access.AccessDenied):
        services.get_for(make_user(Role.LIAISON_OFFICER, liaison.organization), report.pk)
