"""The review workflow, distribution through `core.access`, shares, the outbox, dissemination records,
corrections and withdrawals, read receipts and feedback — all against the real database and services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fusioncenter.core import access
from fusioncenter.core.models import AuditEntry, Share
from fusioncenter.delivery.models import Delivery, Message, PortalNotice
from fusioncenter.products import distribution, services
from fusioncenter.products.models import Dissemination, Product, Receipt, Status

from .conftest import BULLETIN, organization_terms

pytestmark = pytest.mark.django_db


def test_review_path_and_reviewers(people, approved):
    p = services.create(people["analyst"], "intelligence_bulletin", {**BULLETIN, "audience": organization_terms(
        people["madison"])})
    assert p.status == Status.DRAFT and p.number.startswith("WSIC-")
    with pytest.raises(ValidationError):  # a draft cannot be reviewed
        services.review(people["peer"], p, True)
    p = services.submit(people["analyst"], p)
    assert p.status == Status.PEER_REVIEW
    with pytest.raises(PermissionDenied):
        services.review(people["analyst"], p, True)  # the author never reviews
    with pytest.raises(access.AccessDenied):  # a partner cannot even see a product in review
        services.review(people["officer"], p, True)
    with pytest.raises(ValidationError) as exc:
        services.review(people["peer"], p, False, "")
    assert "comment" in exc.value.error_dict
    p = services.review(people["peer"], p, True)
    assert p.status == Status.SUPERVISOR_REVIEW
    with pytest.raises(PermissionDenied):
        services.review(people["peer"], p, True)  # an analyst is not a supervisor
    p = services.review(people["supervisor"], p, True)
    assert p.status == Status.APPROVED  # no person named, not criminal intelligence: no privacy review
    assert [r.stage for r in p.reviews.all()] == ["peer_review", "supervisor_review"]
    assert AuditEntry.objects.filter(action="products.approve", object_id=str(p.pk)).count() == 2


def test_privacy_review_when_a_person_is_named_or_criminal_intelligence(people, approved):
    for extra in ({"names_person": True}, {"record_class": "criminal_intelligence"}):
        p = services.create(people["analyst"], "intelligence_bulletin",
                            {**BULLETIN, **extra, "audience": organization_terms(people["madison"])})
        p = services.submit(people["analyst"], p)
        p = services.review(people["peer"], p, True)
        p = services.review(people["supervisor"], p, True)
        assert p.status == Status.PRIVACY_REVIEW
        with pytest.raises(PermissionDenied):
            services.review(people["supervisor"], p, True)
        p = services.review(people["privacy"], p, True)
        assert p.status == Status.APPROVED and p.privacy_reviewed_by == people["privacy"]


def test_return_to_draft_and_required_sections(people):
    p = services.create(people["analyst"], "intelligence_bulletin",
                        {"title": "Empty", "audience": organization_terms(people["madison"])})
    with pytest.raises(ValidationError) as exc:
        services.submit(people["analyst"], p)
    assert {"section_summary", "section_details"} <= set(exc.value.error_dict)
    p = services.update(people["analyst"], p, {**BULLETIN, "audience": organization_terms(people["madison"])})
    p = services.submit(people["analyst"], p)
    p = services.review(people["peer"], p, False, "Add the dates of the incidents.")
    assert p.status == Status.DRAFT
    assert p.comments.get().body == "Add the dates of the incidents."


def test_bad_markings_are_refused_whole(people):
    n = Product.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create(people["analyst"], "intelligence_bulletin",
                        {**BULLETIN, "tlp": "PURPLE", "cui": "cui//inv", "audience": []})
    assert {"tlp", "cui"} <= set(exc.value.error_dict)
    with pytest.raises(ValidationError):
        services.create(people["analyst"], "intelligence_bulletin",
                        {**BULLETIN, "portion_marks": {"summary": "U//LES"}, "audience": []})
    assert Product.objects.count() == n
    with pytest.raises(PermissionDenied):
        services.create(people["officer"], "intelligence_bulletin", BULLETIN)


def test_recipients_computed_through_access_and_shown_before_sending(people, approved):
    p = approved(audience=organization_terms(people["madison"], people["utility"]))
    included, excluded = distribution.recipients(p)
    assert {c.user.username for c in included} == {"officer"}
    reasons = {c.user.username: c.reason for c in excluded}
    assert set(reasons) == {"member", "utility"}
    assert all("LES" in r or "Law-enforcement" in r for r in reasons.values())
    # The preview changes nothing: no shares remain.
    assert not Share.objects.filter(object_id=str(p.pk)).exists()


def test_publish_shares_delivers_and_records(people, published):
    p = published()
    assert p.status == Status.PUBLISHED and p.published_by == people["analyst"]
    officer, outsider = people["officer"], people["outsider"]
    # AMBER: exactly the audience (and the owning organization and center staff) may see it.
    assert services.visible_products(officer).filter(pk=p.pk).exists()
    assert not services.visible_products(outsider).filter(pk=p.pk).exists()
    assert not access.decide(outsider, "view", p)
    assert Share.objects.filter(object_id=str(p.pk), user=officer).exists()
    # One message, a portal and an e-mail delivery for the recipient, a dissemination row per channel.
    message = Message.objects.get(source_type="products.product", source_id=str(p.pk))
    assert "[TLP:AMBER]" in message.subject and p.title not in message.subject  # LES: no content in e-mail
    assert "http://" in message.text_body and p.title not in message.text_body
    assert set(Delivery.objects.filter(message=message).values_list("channel", flat=True)) == {"portal", "email"}
    rows = Dissemination.objects.filter(product=p)
    assert {(r.recipient.username, r.channel) for r in rows} == {("officer", "portal"), ("officer", "email")}
    assert rows.first().need_to_know.startswith("Rail-crime") and rows.first().version == 1
    assert Receipt.objects.get(product=p, user=officer).opened_at is None
    assert AuditEntry.objects.filter(action="products.publish", object_id=str(p.pk)).exists()


def test_publish_refuses_a_changed_list_and_missing_need_to_know(people, approved, make_user):
    p = approved()
    included, _ = distribution.recipients(p)
    stamp = distribution.fingerprint(included)
    with pytest.raises(ValidationError) as exc:
        distribution.publish(people["analyst"], p, need_to_know="")
    assert "need_to_know" in exc.value.error_dict
    make_user("partner_officer", people["madison"], username="newcomer")
    with pytest.raises(ValidationError) as exc:
        distribution.publish(people["analyst"], p, need_to_know="Rail crime investigations.", expected=stamp)
    assert exc.value.error_dict["recipients"][0].code == "changed"
    assert Product.objects.get(pk=p.pk).status == Status.APPROVED
    assert not Message.objects.filter(source_id=str(p.pk)).exists()


def test_tlp_red_goes_to_named_people_only(people, approved):
    data = {**BULLETIN, "tlp": "RED"}
    with pytest.raises(ValidationError):
        approved(data=data, audience=organization_terms(people["madison"]))
    p = approved(data=data, audience=[("user", str(people["officer"].pk))])
    with pytest.raises(PermissionDenied):
        distribution.publish(people["supervisor"], p, need_to_know="Named recipient for the operation.")
    distribution.publish(people["analyst"], p, need_to_know="Named recipient for the operation.")
    assert access.decide(people["officer"], "view", p)
    assert not access.decide(people["member"], "view", p)


def test_open_sets_read_receipt_and_marks_notice_read(people, published):
    from fusioncenter.delivery import worker

    p = published()
    worker.run(once=True)  # the portal channel writes the inbox notice
    officer = people["officer"]
    assert PortalNotice.objects.filter(user=officer, read_at__isnull=True).count() == 1
    services.record_open(officer, p)
    assert Receipt.objects.get(product=p, user=officer).opened_at is not None
    assert PortalNotice.objects.filter(user=officer, read_at__isnull=True).count() == 0


def test_correction_and_withdrawal_reach_everyone_who_received_it(people, published):
    p = published()
    with pytest.raises(PermissionDenied):
        distribution.correct(people["peer"], p, {"summary": "x"}, "typo")
    p = distribution.correct(people["analyst"], p, {"summary": "Thieves cut copper in Dane and Rock counties."},
                             "Added Rock County.")
    assert p.version == 2
    assert Dissemination.objects.filter(product=p, kind="correction", recipient=people["officer"]).exists()
    versions = list(p.versions.all())
    assert versions[-1].event == "correction" and versions[-1].number == 2
    from fusioncenter.products.render import diff_rows

    rows = diff_rows(versions[0].snapshot, versions[-1].snapshot)
    assert any(r["change"] == "added" and "Rock" in r["text"] for r in rows)
    with pytest.raises(ValidationError):
        distribution.correct(people["analyst"], p, {}, "nothing")
    p = distribution.withdraw(people["supervisor"], p, "Superseded by a joint bulletin.")
    assert p.status == Status.WITHDRAWN
    notice = Message.objects.filter(source_id=str(p.pk), key__endswith=":withdrawal").get()
    assert "withdrawn" in notice.text_body.lower()
    assert Delivery.objects.filter(message=notice, recipient=people["officer"]).count() == 2


def test_feedback_from_recipients_and_figures(people, published):
    p = published()
    with pytest.raises(PermissionDenied):
        services.give_feedback(people["peer"], p, {"usefulness": 5, "action": "none"})
    with pytest.raises(ValidationError) as exc:
        services.give_feedback(people["officer"], p, {"usefulness": 9, "action": "dance"})
    assert {"usefulness", "action"} <= set(exc.value.error_dict)
    services.give_feedback(people["officer"], p, {"usefulness": 4, "relevant": True, "timely": False,
                                                  "action": "briefed", "comment": "Briefed at roll call."})
    figures = services.feedback_figures(p)
    assert figures["responses"] == 1 and figures["mean_usefulness"] == 4 and figures["relevant_pct"] == 100
    by_type = {r["type"].code: r for r in services.feedback_by_type(people["supervisor"])}
    assert by_type["intelligence_bulletin"]["responses"] == 1
    assert by_type["intelligence_bulletin"]["published"] == 1


def test_drafts_stay_with_the_center(people):
    p = services.create(people["analyst"], "special_event", {
        "title": "County fair", "sections": {"event": "Fair", "threat": "None known"},
        "audience": [("center", "WSIC")]})
    assert p.tlp == "GREEN"  # the type's default
    assert services.visible_products(people["peer"]).filter(pk=p.pk).exists()
    assert not services.visible_products(people["officer"]).filter(pk=p.pk).exists()
    with pytest.raises(access.AccessDenied):
        services.get_for(people["officer"], p.pk)


def test_references_shown_only_to_readers_who_may_see_them(people, published, make_user):
    from fusioncenter.sar.models import Report

    report = Report.objects.create(receipt="WI-2026-TEST-0001", source="partner_form", summary="Fence cut",
                                   record_class="law_enforcement", tlp="AMBER", center=people["wsic"].center,
                                   owner_organization=people["wsic"])
    p = services.create(people["analyst"], "intelligence_bulletin",
                        {**BULLETIN, "audience": organization_terms(people["madison"])})
    services.add_reference(people["analyst"], p, "sar.report", str(report.pk), "Initial report")
    with pytest.raises(ValidationError):
        services.add_reference(people["analyst"], p, "core.user", "1")
    shown, hidden = services.references_for(people["peer"], p)
    assert shown[0]["label"].startswith("SAR WI-2026-TEST-0001") and hidden == 0
    shown, hidden = services.references_for(people["officer"], p)
    assert shown == [] and hidden == 1


def test_quick_situation_report_is_expedited(people):
    p = services.create(people["analyst"], "situational_awareness", {
        "title": "I-94 closed at Exit 305", "sections": {"what": "Water main break."},
        "audience": [("center", "WSIC")]})
    p = services.submit(people["analyst"], p)
    assert p.status == Status.APPROVED
    p = distribution.publish(people["analyst"], p)
    assert p.status == Status.PUBLISHED
    recipients = set(Dissemination.objects.filter(product=p).values_list("recipient__username", flat=True))
    assert {"officer", "member", "utility"} <= recipients and "outsider" not in recipients  # Racine is STAC
    message = Message.objects.get(source_id=str(p.pk))
    assert p.title in message.subject and "/pdf/" in message.text_body  # GREEN: content and PDF link travel


def test_release_is_written_to_the_platform_dissemination_log(people, published):
    from fusioncenter.privacy.models import Dissemination as LogRow

    p = published()
    rows = LogRow.objects.filter(record_type="products.product", object_id=str(p.pk))
    assert [(r.recipient_user.username, r.channel, r.version) for r in rows] == [("officer", "product", "1")]
    assert rows.get().need_to_know.startswith("Rail-crime")
    entry = AuditEntry.objects.get(action="products.publish", object_id=str(p.pk))
    assert entry.detail["privacy_log"] is True


def test_bolo_expires_and_recipients_are_told(people, published):
    import datetime as dt

    from fusioncenter.core import clock

    bolo = published(type_code="bolo", data={
        "title": "BOLO: stolen box truck", "tlp": "AMBER", "les": True, "record_class": "law_enforcement",
        "sections": {"subject": "White box truck", "reason": "Stolen", "contact": "Call dispatch"}})
    assert bolo.expires_at is not None
    assert distribution.expire_due() == 0
    clock.freeze(clock.now() + dt.timedelta(hours=73))
    assert distribution.expire_due() == 1
    bolo.refresh_from_db()
    assert bolo.status == Status.WITHDRAWN and bolo.withdrawn_reason.startswith("Expired")
    assert Dissemination.objects.filter(product=bolo, kind="withdrawal", recipient=people["officer"]).exists()
