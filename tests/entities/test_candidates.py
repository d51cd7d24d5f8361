"""Candidate lookup: blocks read off the index with a cap, ranked by keys shared, the same for both paths."""

import pytest

from fusioncenter.entities import candidates, services
from fusioncenter.entities.models import BlockingKey, Entity, Mention

pytestmark = pytest.mark.django_db


def _block(key: str, n: int, entity_type: str = "person") -> list[int]:
    ids = [Entity.objects.create(type=entity_type, display=f"e{i}").pk for i in range(n)]
    BlockingKey.objects.bulk_create([BlockingKey(entity_id=e, key=key) for e in ids])
    return ids


def test_a_block_larger_than_the_cap_gives_its_newest_members_for_persons_and_oldest_for_exact_keys():
    people = _block("person|ly:S530:1980", candidates.BLOCK_CAP + 15)
    plates = _block("plate:ABC1234", candidates.BLOCK_CAP + 5, "vehicle")
    got = candidates.lookup(["person|ly:S530:1980", "person|none:here"], newest=True)
    assert list(got) == ["person|ly:S530:1980"]  # a key nobody holds is simply absent
    assert set(got["person|ly:S530:1980"]) == set(sorted(people, reverse=True)[:candidates.BLOCK_CAP])
    assert len(got["person|ly:S530:1980"]) == candidates.BLOCK_CAP
    exact = candidates.lookup(["plate:ABC1234"], newest=False)
    assert set(exact["plate:ABC1234"]) == set(sorted(plates)[:candidates.BLOCK_CAP])
    assert candidates.lookup([], newest=True) == {}


def test_rank_prefers_more_shared_keys_then_the_newest():
    blocks = {"a": [1, 2, 3], "b": [2, 3, 9], "c": [3, -1], "d": [-2, 7]}
    assert candidates.rank(["a", "b", "c", "d"], blocks, limit=10) == [3, 2, -2, -1, 9, 7, 1]
    assert candidates.rank(["a", "b", "c", "d"], blocks, limit=2) == [3, 2]
    assert candidates.rank(["a", "b"], blocks, exclude={3}) == [2, 9, 1]
    assert candidates.rank(["a", "b"], blocks, only={1, 9}) == [9, 1]
    assert candidates.rank(["zzz"], blocks) == []


def test_a_merged_entity_leaves_the_blocks_and_undo_brings_it_back(make_dossier, make_user):
    analyst = make_user("analyst")
    a = make_dossier("phone=608-555-0111", user=analyst)
    b = make_dossier("phone=608-555-0222", user=analyst)
    services.index_record(a)
    services.index_record(b)
    p1 = Mention.objects.get(source_id=str(a.pk)).entity
    p2 = Mention.objects.get(source_id=str(b.pk)).entity
    assert p2.blocking_keys.exists()
    decision = services.merge(analyst, p2.pk, p1.pk, "same burner")
    assert not p2.blocking_keys.exists()  # it can no longer fill a block of its old value
    assert services.resolve_mention("phone", "608-555-0222").entity == p1
    services.undo(analyst, decision.pk)
    assert set(p2.blocking_keys.values_list("key", flat=True)) == {"phone:+16085550222"}
    assert services.resolve_mention("phone", "608 555 0222").entity == p2


def test_the_incremental_match_finds_an_old_entity_past_a_full_block_through_its_other_keys(make_dossier):
    """An old entity beyond the cap of a crowded block (surname sound and year) is still found: its
    first-name-and-date and name keys are not crowded."""
    first = make_dossier("person=Mary Smith|1980-05-03")
    services.index_record(first)
    mary = Mention.objects.get(source_id=str(first.pk), entity_type="person").entity
    crowd = _block("person|ly:S530:1980", candidates.BLOCK_CAP + 10)
    assert mary.pk < min(crowd)
    assert "person|ly:S530:1980" in mary.blocking_keys.values_list("key", flat=True)
    res = services.resolve_mention("person", "", {"first_name": "Mary", "last_name": "Smith", "dob": "1980-05-03"})
    assert res.entity == mary and res.how == "probable"


def test_a_schema_where_two_types_share_a_key_making_normalizer_is_refused():
    from fusioncenter.entities import schema

    shipped = schema.schema()
    assert schema.check_schema(shipped) is shipped  # the shipped schema passes
    both_text = {"types": {"organization": {"normalizer": "text"}, "event": {}}}
    assert schema.check_schema(both_text) == both_text  # text keys carry the type's own name
    clash = {"types": {"location": {"normalizer": "address"}, "site": {"normalizer": "address"}}}
    with pytest.raises(ValueError, match="'location' and 'site' both use the 'address' normalizer"):
        schema.check_schema(clash)


def test_rank_agrees_with_its_definition_on_random_blocks():
    """The fast `rank` against the rule written plainly: most keys shared, then newest first."""
    import random

    rng = random.Random(4)
    for _ in range(300):
        ids = [rng.choice([-1, 1]) * rng.randrange(1, 60) for _ in range(rng.randrange(1, 120))]
        blocks = {f"k{i}": rng.sample(ids, rng.randrange(0, len(ids) + 1)) for i in range(rng.randrange(1, 8))}
        keys = rng.sample(sorted(blocks), rng.randrange(1, len(blocks) + 1))
        limit = rng.randrange(1, 12)
        shared: dict[int, int] = {}
        for k in keys:
            for e in blocks[k]:
                shared[e] = shared.get(e, 0) + 1
        plain = sorted(shared, key=lambda e: (-shared[e], *candidates.newest_first(e)))[:limit]
        assert candidates.rank(keys, blocks, limit) == plain


def _force_digest(key: str, like: str) -> None:
    """Give the rows of `key` the digest of `like`: two keys sharing a digest, made on purpose."""
    BlockingKey.objects.filter(key=key).update(digest=candidates.digest(like))


def test_blocks_are_read_by_digest_which_every_save_sets_from_the_key():
    (e,) = _block("plate:ABC1234", 1, "vehicle")
    row = BlockingKey.objects.get(entity_id=e)
    assert row.digest == candidates.digest("plate:ABC1234")
    # pinned: the index stores these numbers, so the function may never change
    assert candidates.digest("plate:ABC1234") == -3546659187865085050
    assert candidates.digest("person|ly:S530:1980") == -1734444181856628726
    assert candidates.lookup(["plate:ABC1234"], newest=False) == {"plate:ABC1234": [e]}
    BlockingKey.objects.filter(pk=row.pk).update(digest=candidates.digest("plate:ZZZ9999"))
    assert candidates.lookup(["plate:ABC1234"], newest=False) == {}  # read by digest, not by text


def test_a_shared_digest_never_puts_a_mention_on_another_values_entity(make_dossier):
    """Exact keys are checked against their text: a plate whose digest another plate's rows share is
    a new entity, on the incremental path and in the search box alike."""
    from fusioncenter.entities import search

    services.index_record(make_dossier("plate=ABC-1234"))
    plate = services.resolve_mention("vehicle", "ABC 1234").entity
    assert plate is not None and list(search.named_entities("ABC1234")) == [plate]
    _force_digest("plate:ABC1234", like="plate:XYZ9876")
    assert candidates.lookup(["plate:XYZ9876"], newest=False) == {}
    res = services.resolve_mention("vehicle", "XYZ 9876")
    assert res.entity is None and res.how == "new"
    assert not search.named_entities("XYZ9876").exists()


def test_a_shared_digest_only_adds_a_candidate_to_a_persons_block():
    """For a person the member of another key is one more candidate, scored like any other."""
    ours = _block("person|ly:S530:1980", 2)
    other = _block("person|ly:J520:1975", 1)
    _force_digest("person|ly:J520:1975", like="person|ly:S530:1980")
    got = candidates.lookup(["person|ly:S530:1980"], newest=True)
    assert set(got["person|ly:S530:1980"]) == {*ours, *other}


def test_the_migration_fills_the_digests_of_stored_keys():
    """An index made before digests existed gets every key's, in batches (`0011_blocking_key_digest`)."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    migration = importlib.import_module("fusioncenter.entities.migrations.0011_blocking_key_digest")
    ids = _block("person|ly:S530:1980", 3) + _block("plate:ABC1234", 2, "vehicle")
    BlockingKey.objects.update(digest=0)
    migration.BATCH, batch = 2, migration.BATCH  # several batches
    try:
        migration.fill(None, SimpleNamespace(connection=connection))
    finally:
        migration.BATCH = batch
    assert {(r.key, r.digest) for r in BlockingKey.objects.filter(entity_id__in=ids)} == {
        ("person|ly:S530:1980", candidates.digest("person|ly:S530:1980")),
        ("plate:ABC1234", candidates.digest("plate:ABC1234"))}
    assert set(candidates.lookup(["plate:ABC1234"], newest=False)["plate:ABC1234"]) == set(ids[3:])
