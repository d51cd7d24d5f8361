"""The match review queue: a page at a time, only what the reader may see, each row naming its record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from fusioncenter.core import access
from fusioncenter.core.markings import TLP
from fusioncenter.core.models import AuditEntry
from fusioncenter.entities import review, search, services
from fusioncenter.entities.models import MatchDecision, Mention


def _walk(user, kind: str, size: int) -> list[list[MatchDecision]]:
    pages, cursor = [], None
    while True:
        page = review.open_matches(user, kind, cursor, size=size)
        pages.append([item.decision for item in page.items])
        if not page.older:
            return pages
        cursor = review.parse_cursor(page.older)
        assert cursor is not None


def test_possible_matches_page_through_only_what_the_analyst_may_see(make_dossier, make_user, make_org):
    analyst = make_user("analyst")
    elsewhere = make_org("Elsewhere PD (review)")
    # 450 records, a third marked RED by another agency: more than two of the queue's batches
    records = [make_dossier(f"plate=RV{i:04d}", org=elsewhere, tlp=TLP.RED if i % 3 == 0 else TLP.GREEN)
               for i in range(450)]
    for i, r in enumerate(records):
        services.index_record(r)
        if i < 400:  # the last 50 not in search yet: the queue's first step lets them through to the second
            search.index_record(r)
    mentions = list(Mention.objects.filter(source_id__in=[str(r.pk) for r in records]).order_by("id"))
    assert len(mentions) == 450
    when = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)  # one moment for all, as in an import: the order is by id
    MatchDecision.objects.bulk_create(
        MatchDecision(kind=MatchDecision.Kind.SUGGESTION, status=MatchDecision.Status.OPEN, at=when,
                      entity=mentions[i - 1].entity, mention=m, explanation={"match_weight": 1.5})
        for i, m in enumerate(mentions))
    by_pk = {str(r.pk): r for r in records}
    expected = [d.pk for d in MatchDecision.objects.filter(kind="suggestion").select_related("mention")
                .order_by("-at", "-id") if access.decide(analyst, access.VIEW, by_pk[d.mention.source_id]).allowed]
    assert 0 < len(expected) < 450  # the RED ones are not the analyst's to see

    pages = _walk(analyst, "suggestion", size=40)
    assert [d.pk for page in pages for d in page] == expected  # each once, newest first, none hidden shown
    assert all(len(page) == 40 for page in pages[:-1]) and len(pages) == -(-len(expected) // 40)

    first = review.open_matches(analyst, "suggestion", None, size=3).items[0]
    assert first.record_title == f"Dossier {first.mention.source_id}"
    assert first.record_url == f"/dossier/{first.mention.source_id}"
    assert first.weight == 1.5


def test_automatic_matches_are_a_list_of_their_own(make_dossier, make_user):
    analyst = make_user("analyst")
    records = [make_dossier("plate=CHT 123", user=analyst) for _ in range(4)]
    for r in records:
        services.index_record(r)
    pages = _walk(analyst, "auto", size=1)
    auto = [d.mention.source_id for page in pages for d in page]
    # the first record made the entity; the three after it were matched to it, newest first
    assert auto == [str(r.pk) for r in reversed(records[1:])]
    assert all(d.kind == MatchDecision.Kind.AUTO and d.pk is None for page in pages for d in page)
    assert review.open_matches(analyst, "suggestion").items == []
    item = review.open_matches(analyst, "auto").items[0]
    assert item.weight == "exact"
    # decided: off the list; the decision undone: back, once, with its reopened row, in its place
    middle = Mention.objects.get(source_id=str(records[2].pk))
    confirmed = services.confirm(analyst, services.automatic_match(analyst, middle.pk))
    assert [d.mention_id for d in _walk(analyst, "auto", size=10)[0]] == [
        m.pk for m in Mention.objects.filter(source_id__in=[str(records[3].pk), str(records[1].pk)]).order_by("-id")]
    services.undo(analyst, confirmed.pk)
    again = _walk(analyst, "auto", size=2)
    listed = [d for page in again for d in page]
    assert [d.mention.source_id for d in listed] == [str(r.pk) for r in reversed(records[1:])]
    assert [d.pk is not None for d in listed] == [False, True, False]
    assert listed[1].status == MatchDecision.Status.OPEN and listed[1].anchor == f"decision-{listed[1].pk}"


def test_review_page(make_dossier, make_user, make_org, client, signed_in):
    analyst = make_user("analyst")
    records = [make_dossier("plate=CHT 123", user=analyst) for _ in range(2)]
    for r in records:
        services.index_record(r)
    c = signed_in(client, analyst)
    html = c.get("/entities/review/").content.decode()
    assert "Nothing to review." in html and 'aria-current="page">Possible matches' in html
    html = c.get("/entities/review/?kind=auto").content.decode()
    matched = Mention.objects.get(source_id=str(records[1].pk))
    assert f'<a href="/dossier/{records[1].pk}">Dossier {records[1].pk}</a>' in html
    assert f'href="/entities/{matched.entity_id}/#automatic-{matched.pk}"' in html
    assert "CHT 123" in html and "Older matches" not in html
    entry = AuditEntry.objects.filter(action="entities.review", actor_id=analyst.pk).latest("id")
    assert entry.detail == {"kind": "auto", "mentions": [matched.pk]}  # ids only, never the values
    # a mangled cursor or kind shows the first page, not an error
    for query in ("?kind=auto&older=x", "?older=2026-13-99_1", "?kind=nonsense&older=-5", "?older=9" * 3,
                  f"?kind=auto&older={10**30}", f"?older=2026-12-06T12:00:00_{10**30}", "?older=2026-12-06_0"):
        assert c.get("/entities/review/" + query).status_code == 200
    newest = c.get(f"/entities/review/?kind=auto&older={10**30}").content.decode()
    assert f"Dossier {records[1].pk}" in newest and "Older matches" not in newest  # the newest page
    # the privacy officer oversees the queue without deciding; a partner officer has no queue
    privacy = signed_in(client, make_user("privacy_officer"))
    html = privacy.get("/entities/review/?kind=auto").content.decode()
    assert "Dossier" in html and "confirm or reject" not in html
    partner = make_user("partner_officer", make_org("Town PD (review)"))
    officer = signed_in(client, partner)
    assert officer.get("/entities/review/").status_code == 404
    with pytest.raises(PermissionDenied):  # the service refuses too, whatever calls it
        review.open_matches(partner, "auto")


def test_a_page_of_matches_no_one_here_may_see_says_so_and_leads_on(make_dossier, make_user, make_org, client,
                                                                    signed_in):
    analyst = make_user("analyst")
    elsewhere = make_org("Elsewhere PD (review, hidden)")
    records = [make_dossier(f"plate=RH{i:04d}", org=elsewhere, tlp=TLP.RED) for i in range(2)]
    assert not any(access.decide(analyst, access.VIEW, r).allowed for r in records)
    for r in records:
        services.index_record(r)
    first, second = Mention.objects.filter(source_id__in=[str(r.pk) for r in records]).order_by("id")
    MatchDecision.objects.create(kind=MatchDecision.Kind.SUGGESTION, status=MatchDecision.Status.OPEN,
                                 entity=first.entity, mention=second, explanation={"match_weight": 1.0})
    page = review.open_matches(analyst, "suggestion", None, size=1)
    assert page.items == [] and page.older == ""  # read to the end: nothing, and nothing older
    c = signed_in(client, analyst)
    html = c.get("/entities/review/").content.decode()
    assert "Nothing to review." in html and "RH000" not in html and "Dossier" not in html
    # more hidden rows than a page reads: the page stops, says why it is empty, and offers older ones
    read = review.BATCH * review.MAX_BATCHES
    MatchDecision.objects.bulk_create(
        MatchDecision(kind=MatchDecision.Kind.SUGGESTION, status=MatchDecision.Status.OPEN, entity=first.entity,
                      mention=second, explanation={"match_weight": 1.0}) for _ in range(read))
    page = review.open_matches(analyst, "suggestion", None)
    assert page.items == [] and page.older
    html = c.get("/entities/review/").content.decode()
    assert "older ones follow" in html and "Older matches" in html and "RH000" not in html
    assert [len(p) for p in _walk(analyst, "suggestion", size=5)] == [0, 0]  # 2,001 rows: two pages read them
    # once the records are in search, their copied markings keep the rows out in the query itself
    for r in records:
        search.index_record(r)
    assert review.open_matches(analyst, "suggestion", None) == review.Page("suggestion", [], "")
    assert "Nothing to review." in c.get("/entities/review/").content.decode()


def test_rows_far_apart_are_found_window_by_window(make_dossier, make_user):
    analyst = make_user("analyst")
    records = [make_dossier(f"plate=RW{i:04d}", user=analyst) for i in range(2)]
    for r in records:
        services.index_record(r)
    a, b = Mention.objects.filter(source_id__in=[str(r.pk) for r in records]).order_by("id")
    far = 3 * review.WINDOW + 7  # ids are not dense: deletions, other kinds of decisions, rolled-back writes
    for pk, mention in ((1_000, a), (far, b)):
        MatchDecision.objects.create(pk=pk, kind=MatchDecision.Kind.SUGGESTION, status=MatchDecision.Status.OPEN,
                                     entity=a.entity, mention=mention, explanation={"match_weight": 0.5})
    page = review.open_matches(analyst, "suggestion")
    assert [item.decision.pk for item in page.items] == [far, 1_000] and page.older == ""
    assert [d.pk for p in _walk(analyst, "suggestion", size=1) for d in p] == [far, 1_000]
