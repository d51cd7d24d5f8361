"""Match explanations kept short in the index are shown exactly as `PersonModel.explain` gives them."""

import orjson
import pytest

from fusioncenter.entities import explanations, matching, services, synthetic
from fusioncenter.entities.models import Mention
from tests.entities.test_person_scorer import _rare_levels


def test_a_kept_explanation_is_shown_as_explain_gives_it_for_every_pair():
    """On the blocked pairs of generated records (every level of every comparison, the household
    rule, term frequencies and not), `full(stored(...))` is `explain(...).as_dict()`, and kept at
    most a third of its size."""
    records = [matching.prepare_person(r) for r in synthetic.generate(800, seed=7)] + _rare_levels()
    records += [matching.prepare_person(r) for r in (
        # father and son: the household rule leaves surname, phone and address out
        {"first_name": "Tou", "last_name": "Yang", "dob": "1961-03-02", "phone": "608-555-0101",
         "address": "12 Oak St, Madison WI 53703"},
        {"first_name": "Kou", "last_name": "Yang", "dob": "1990-11-20", "phone": "608-555-0101",
         "address": "12 Oak St, Madison WI 53703"})]
    seen: set[tuple[str, str]] = set()
    kept_bytes = full_bytes = 0
    for frequencies in ({}, matching.term_frequencies(records)):
        model = matching.PersonModel()
        model.frequencies = frequencies
        # the rare levels' records are compared in adjacent pairs, as `test_person_scorer` does
        rare = [(len(records) - k, len(records) - k - 1) for k in (3, 5, 7)]
        for i, j in [*sorted(matching.candidate_pairs(records)), *rare, (len(records) - 2, len(records) - 1)]:
            for a, b in ((records[i], records[j]), (records[j], records[i])):
                kept = explanations.stored(model, a, b)
                shown = model.explain(a, b).as_dict()
                assert explanations.full(orjson.loads(orjson.dumps(kept))) == shown
                seen.update((p["comparison"], p["level"]) for p in shown["comparisons"])
                kept_bytes += len(orjson.dumps(kept))
                full_bytes += len(orjson.dumps(shown))
    for comp in matching.person_comparisons():
        assert {(comp.name, label) for label in comp.labels} <= seen, comp.name
    assert any(level == "missing on one side" for _, level in seen)
    assert any(level.endswith(matching.NOT_COUNTED) for _, level in seen)
    assert kept_bytes * 3 < full_bytes


def test_an_exact_match_a_new_entity_and_explanations_written_in_full():
    assert explanations.full(explanations.same_value("plate")) == {
        "match_weight": None, "probability": 1.0,
        "comparisons": [{"comparison": "plate", "level": "same value after normalization", "weight": None}]}
    assert explanations.full({}) == {} and explanations.full(None) == {}
    # written before explanations were kept short, or by an analyst's decision: shown as they are
    written = {"match_weight": 7.5, "probability": 0.99449, "comparisons": [
        {"comparison": "first_name", "level": "exact", "weight": 6.1}]}
    assert explanations.full(written) == written
    assert explanations.full({"note": "anything else"}) == {"note": "anything else"}


def test_a_model_with_a_comparison_of_its_own_is_kept_in_full():
    """`full` names levels from the standard comparisons' labels: a model comparing something else
    keeps its explanation in full, which `full` returns unchanged."""
    a, b = (matching.prepare_person({"first_name": "Ana", "last_name": "Ruiz", "dob": d})
            for d in ("1970-01-01", "1970-01-01"))
    model = matching.PersonModel()
    model.comparisons = [*model.comparisons, matching.Comparison(
        "middle_name", ["same", "different"], [0.9, 0.1], [0.1, 0.9], lambda x, y: None)]
    kept = explanations.stored(model, a, b)
    assert kept == model.explain(a, b).as_dict()
    assert explanations.full(kept) == kept


def test_the_level_labels_kept_explanations_point_into_are_only_ever_added_to():
    """A kept explanation names a level by its position in these lists (`explanations`): changing or
    reordering a label would change what every stored match says. Add levels at the end only."""
    assert {c.name: c.labels for c in matching.person_comparisons()} == {
        "first_name": ["exact", "nickname", "close typo", "initial or similar", "different"],
        "last_name": ["exact", "close typo", "similar or sounds alike", "different"],
        "date_of_birth": ["exact", "day and month swapped", "one digit off", "same year", "different"],
        "sex": ["same", "different"],
        "phone": ["same number", "same last seven digits", "different"],
        "email": ["same address", "same user name", "different"],
        "address": ["same street address", "same ZIP code", "different"],
        "driver_license": ["same number", "different"],
    }


@pytest.mark.django_db
def test_the_index_keeps_the_short_form_and_the_api_shows_the_full_one(make_dossier, make_user, api_token, client):
    analyst = make_user("analyst")
    first = make_dossier("person=William Schmidt|1980-05-03; phone=608-555-0142", user=analyst)
    second = make_dossier("person=Bill Schmitt|03/05/1980; phone=(608) 555-0142", user=analyst)
    for d in (first, second):
        services.index_record(d)
    person = Mention.objects.get(source_id=str(second.pk), entity_type="person")
    phone = Mention.objects.get(source_id=str(second.pk), entity_type="phone")
    assert (person.how, phone.how) == ("probable", "exact")
    assert set(person.match) == {"w", "p", "c"} and phone.match == {"x": "phone"}
    got = client.get(f"/api/v1/search/entities/{person.entity_id}",
                     HTTP_AUTHORIZATION=f"Bearer {api_token(analyst)}").json()
    shown = next(m["match"] for m in got["mentions"] if m["id"] == person.pk)
    assert shown == person.why and shown["match_weight"] == person.match["w"] >= 6
    assert {p["comparison"]: p["level"] for p in shown["comparisons"]}["first_name"] == "nickname"
    assert phone.why["comparisons"] == [{"comparison": "phone", "level": "same value after normalization",
                                         "weight": None}]
