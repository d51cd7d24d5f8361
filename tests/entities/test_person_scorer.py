"""The written-out person scorer gives `PersonModel.explain`'s weight, to the last bit, and leaves a
profile before the end only when it cannot reach the floor it is given."""

import random

from fusioncenter.entities import matching, person_scorer, synthetic
from fusioncenter.entities.schema import thaw


def _pairs(records):
    return sorted(matching.candidate_pairs(records))


def test_the_written_out_scorer_gives_explains_weight_for_every_pair():
    """On the blocked pairs of generated records, with term frequencies and without, each side as
    the mention: the same float as `explain`, and every level of every comparison is reached."""
    records = [matching.prepare_person(r) for r in synthetic.generate(1500, seed=11)] + _rare_levels()
    # stored profiles hold `formal` as a list (JSON): compared as the import compares them
    stored = [{**r, "formal": sorted(r["formal"])} for r in records]
    seen: set[tuple[int, int | None]] = set()
    household = 0
    for frequencies in ({}, matching.term_frequencies(records)):
        model = matching.PersonModel()
        model.frequencies = frequencies
        against = person_scorer.matcher(model)
        for i, j in [*_pairs(records), *((len(records) - k - 1, len(records) - k - 2) for k in range(0, 6, 2))]:
            for x, y in ((i, j), (j, i)):
                a, b = records[x], stored[y]
                weight, best = against(a)([b])
                assert weight == model.explain(a, thaw(b), detail=False).weight
                assert best is b
                levels = model.levels(a, thaw(b))
                seen.update(enumerate(levels))
                household += (levels[0] == 4 and levels[2] in (None, 3, 4)) or (levels[0] in (3, 4)
                                                                                 and levels[2] == 4)
    model = matching.PersonModel()
    for position, comparison in enumerate(model.comparisons):
        assert {(position, level) for level in range(len(comparison.m))} <= seen, comparison.name
    assert household > 0


def test_a_floor_leaves_only_the_profiles_that_cannot_reach_it():
    """With a floor, a pair is left unscored only when its weight is below it: at the weight itself,
    a hair above and below, and at the import's floors (0, the match threshold), on the blocked
    pairs of generated records with term frequencies; and what is returned is what `best` gives
    without a floor."""
    records = [matching.prepare_person(r) for r in synthetic.generate(1500, seed=11)] + _rare_levels()
    stored = [{**r, "formal": sorted(r["formal"])} for r in records]
    model = matching.PersonModel()
    model.frequencies = matching.term_frequencies(records)
    against = person_scorer.matcher(model)
    left = 0
    for i, j in _pairs(records):
        for x, y in ((i, j), (j, i)):
            a, b = records[x], stored[y]
            best_of = against(a)
            weight, _ = best_of([b])
            for floor in (weight, weight - 1e-6, weight + 1e-6, 0.0, matching.DEFAULT_THRESHOLD, 30.0):
                found = best_of([b], floor)
                if weight >= floor:
                    assert found == (weight, b)
                else:
                    assert found is None
                    left += 1
    assert left > 1000


def test_a_model_with_other_comparisons_takes_a_floor_too():
    model = matching.PersonModel()
    model.comparisons = model.comparisons[:3]
    a = matching.prepare_person({"first_name": "Ann", "last_name": "Vang", "dob": "1990-01-01"})
    b = matching.prepare_person({"first_name": "Anne", "last_name": "Vang", "dob": "1990-01-01"})
    weight = model.explain(a, b, detail=False).weight
    assert person_scorer.matcher(model)(a)([b], weight) == (weight, b)
    assert person_scorer.matcher(model)(a)([b], weight + 1) is None


def _rare_levels():
    """Pairs (in order, adjacent) for the levels generated records rarely reach: the same last seven
    digits of a phone, the same e-mail user name, the same and another driver licence."""
    person = {"first_name": "Mai", "last_name": "Xiong", "dob": "1988-02-14", "sex": "F"}
    return [matching.prepare_person({**person, **extra}) for extra in (
        {"phone": "608-555-0134", "dl": "X123-4567-8901-23"}, {"phone": "414-555-0134", "dl": "X123-4567-8901-23"},
        {"email": "mai.x@example.org", "dl": "X123-4567-8901-23"}, {"email": "mai.x@example.com", "dl": "Y98-7654"},
        {"phone": "608-555-0134", "email": "m@example.org"}, {"phone": "262-555-0199", "sex": "M"})]


def test_the_best_of_several_profiles_is_the_first_of_the_highest():
    records = [matching.prepare_person(r) for r in synthetic.generate(300, seed=4)]
    model = matching.PersonModel()
    against = person_scorer.matcher(model)
    rng = random.Random(2)
    for a in records[:100]:
        profiles = rng.sample(records, 4) + [a]
        assert against(a)(profiles) == model.best(a, profiles)
        assert against(a)(profiles, model.best(a, profiles)[0]) == model.best(a, profiles)
        # equal weights: the first one wins, also with the floor at their weight
        twice = [dict(a), dict(a)]
        weight, first = against(a)(twice)
        assert first is twice[0] and against(a)(twice, weight)[1] is twice[0]
        assert against(a)(twice, weight + 1e-6) is None


def test_a_model_with_other_comparisons_is_scored_as_it_defines_them():
    model = matching.PersonModel()
    model.comparisons = model.comparisons[:3]  # say, a deployment's reduced set
    a = matching.prepare_person({"first_name": "Ann", "last_name": "Vang", "dob": "1990-01-01"})
    b = matching.prepare_person({"first_name": "Anne", "last_name": "Vang", "dob": "1990-01-01"})
    assert person_scorer.matcher(model)(a)([b])[0] == model.explain(a, b, detail=False).weight
