"""The entity index: entities, the mentions that support them (and link them: `links`), match decisions, watches.

An entity holds no markings of its own. What a user may see of it is what they may see of the
records that mention it: every page filters `Mention` through the source records with
`core.access.visible` (see `access.py`), and an entity no visible mention supports does not exist
for that user. A mention keeps its provenance (record type and id, field, raw value, source
organization, time), so a merge or a purge can always be traced and undone.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models

from fusioncenter.core import clock
from fusioncenter.core.models import MarkedRecord, Organization

from . import candidates, explanations


class Entity(models.Model):
    # not indexed: entities are read by id or through their blocking keys, and an index of nine
    # values cost each new entity a write (two on PostgreSQL) and misled SQLite's planner
    type = models.CharField(max_length=32)
    display = models.CharField(max_length=300, help_text="Canonical display form (from the first mention).")
    keys = models.JSONField(default=dict, blank=True, help_text="Normalized keys, e.g. {'plate': 'ABC1234'}.")
    profile = models.JSONField(default=list, blank=True, help_text="Prepared records the matcher compares with.")
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "entities"

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"


class KeyDigestField(models.BigIntegerField):
    """A blocking key's `candidates.digest`, set from its `key` whenever the row is saved or
    bulk-created, so no caller can store one that does not match (the import's raw inserts,
    `bulk.write`, compute it themselves)."""

    def pre_save(self, model_instance: models.Model, add: bool) -> int:
        value = candidates.digest(model_instance.key)
        setattr(model_instance, self.attname, value)
        return value


class BlockingKeyQuerySet(models.QuerySet):
    def holding(self, keys: Iterable[str], *, checked: bool = True) -> models.QuerySet:
        """The rows of `keys`, found by digest through the (digest, entity) index; `checked`: also
        compared with the text, so a digest two keys share brings in no row of the other key
        (`candidates.digest`). The matcher's own block reads are `candidates.lookup`."""
        wanted = sorted({k[:200] for k in keys})
        found = self.filter(digest__in=[candidates.digest(k) for k in wanted])
        return found.filter(key__in=wanted) if checked else found


class BlockingKey(models.Model):
    """A key the incremental matcher looks candidates up by (plate, phone, surname sound + year, ...)."""

    # No single-column indexes: the unique (entity, key) serves lookups by entity, and (digest,
    # entity) serves the matcher, which reads a block's newest entities straight off that index
    # (`candidates`). The key's digest, not its text, because that index takes an import's inserts
    # in random order and its size sets what each commit writes (`candidates.digest`).
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="blocking_keys", db_index=False)
    key = models.CharField(max_length=200)
    digest = KeyDigestField(editable=False)

    objects = BlockingKeyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="entities_blockingkey_once")]
        indexes = [models.Index(fields=["digest", "entity"], name="entities_bkey_digest_entity")]


class Mention(models.Model):
    """One value in one field of one record, resolved to an entity (provenance)."""

    class How(models.TextChoices):
        NEW = "new", "First mention: new entity"
        EXACT = "exact", "Same normalized value"
        PROBABLE = "probable", "Probabilistic match above the threshold"
        ANALYST = "analyst", "Placed by an analyst"

    # indexed through (entity, source_type, source_id) below: a second index on entity alone only
    # cost every import a write
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="mentions", db_index=False)
    entity_type = models.CharField(max_length=32)
    source_type = models.CharField(max_length=100)
    source_id = models.CharField(max_length=64)
    field = models.CharField(max_length=64)
    raw_value = models.CharField(max_length=500)
    # not indexed: every imported mention paid for a B-tree insert in random order, and the one
    # lookup by value (the search page's entities) reads the blocking keys (`search.named_entities`)
    normalized = models.CharField(max_length=300)
    attributes = models.JSONField(default=dict, blank=True)
    source_organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True,
                                            related_name="+")
    observed_at = models.DateTimeField(null=True, blank=True, help_text="When the record says it happened.")
    created_at = models.DateTimeField(default=clock.now)
    how = models.CharField(max_length=16, choices=How.choices, default=How.NEW)
    match = models.JSONField(default=dict, blank=True, help_text="Field-by-field explanation of the match.")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["entity", "source_type", "source_id"]),
        ]

    @property
    def why(self) -> dict:
        """The explanation of this mention's match as shown: `match` keeps it short (`explanations`)."""
        return explanations.full(self.match)


class MatchDecision(models.Model):
    """A suggestion, an automatic match, or an analyst's decision; every one reversible."""

    class Kind(models.TextChoices):
        AUTO = "auto", "Automatic match"
        SUGGESTION = "suggestion", "Possible match for review"
        CONFIRM = "confirm", "Confirmed"
        REJECT = "reject", "Rejected"
        MERGE = "merge", "Merged"
        SPLIT = "split", "Split"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        REVERSED = "reversed", "Reversed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DONE)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="decisions")
    other = models.ForeignKey(Entity, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                              db_index=False)
    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions")
    explanation = models.JSONField(default=dict, blank=True)
    moved = models.JSONField(default=list, blank=True, help_text="Mention ids moved, for undo.")
    reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", db_index=False)
    at = models.DateTimeField(default=clock.now)
    reverses = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 db_index=False)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        # Suggestions (and, before 2026-12-06, every automatic match: 1.3 a row of an import) have
        # `other`, `decided_by` or `reverses` empty: those three are indexed only where set (what a
        # delete's cascade looks up), and the review queue reads the open ones newest first off one
        # index. An automatic match gets its row when an analyst decides it
        # (`services.open_automatic_matches`).
        indexes = [
            models.Index(fields=["status", "at"], name="entities_decision_status_at"),
            models.Index(fields=["other"], name="entities_decision_other", condition=models.Q(other__isnull=False)),
            models.Index(fields=["decided_by"], name="entities_decision_decided_by",
                         condition=models.Q(decided_by__isnull=False)),
            models.Index(fields=["reverses"], name="entities_decision_reverses",
                         condition=models.Q(reverses__isnull=False)),
        ]

    @property
    def anchor(self) -> str:
        """Its id on the entity page: an open automatic match not stored yet has only its mention's."""
        return f"decision-{self.pk}" if self.pk else f"automatic-{self.mention_id}"

    @property
    def why(self) -> dict:
        """The explanation to show. An automatic match keeps none of its own: its mention holds the
        same one (`Mention.match`), and a copy per decision made this table 905 MB at a million
        imported rows. Suggestions, analysts' decisions and rows written before keep theirs."""
        if self.explanation or self.mention_id is None:
            return explanations.full(self.explanation)
        return self.mention.why


class Watch(models.Model):
    """A user watches an entity or a saved search; notified of new matching records they may see."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entity_watches")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, null=True, blank=True, related_name="watches")
    query = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(entity__isnull=False) | ~models.Q(query=""),
                                              name="entities_watch_has_target")]


class SearchDocument(models.Model):
    """The searchable text of one record (one row per record), kept by `search.index_record`.

    The full-text index itself is the FTS5 virtual table (SQLite) or the `document` tsvector's GIN
    index (PostgreSQL), created in the migrations.

    The record's marking fields are copied here under the names `MarkedRecord` gives them, so the
    query can pass this table itself through `core.access.visible` and a search at a million
    documents never has to examine candidates the user may not see. The copy only narrows: the
    page shown is checked again against the records themselves (see `search.search`).
    Foreign keys without database constraints: a copy must never block a purge or a user's removal.
    """

    source_type = models.CharField(max_length=100)
    source_id = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    keys = models.TextField(blank=True, help_text="Normalized plates, phones, names: found however written.")
    date = models.DateTimeField(null=True, blank=True)  # indexed as the first column of (date, id)
    county_fips = models.CharField(max_length=5, blank=True, db_index=True)
    category = models.CharField(max_length=64, blank=True)
    center_code = models.CharField(max_length=16, blank=True)
    tlp = models.CharField(max_length=16, blank=True)
    record_class = models.CharField(max_length=32, blank=True)
    les = models.BooleanField(default=True, help_text="Copied from the record; True until indexed (hides).")
    cui = models.CharField(max_length=120, blank=True)
    center = models.ForeignKey("core.Center", on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                               blank=True, related_name="+")
    owner_organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING, db_constraint=False,
                                           null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source_type", "source_id"], name="entities_searchdoc_once")]
        # newest first without a sort: a common word's first page is read off this index
        indexes = [models.Index(fields=["date", "id"], name="entities_sdoc_date_id")]


class ImportMapping(models.Model):
    """A partner's saved column mapping for bulk imports."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    mapping = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="entities_mapping_once")]


class ImportBatch(models.Model):
    """One upload of partner records: progress, counts, and every rejected row with its reason."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=8)
    mapping = models.JSONField(default=dict)
    marking = models.JSONField(default=dict, help_text="record_class, tlp, les of the imported records")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, reason}] for rejected rows")
    created_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else (100 if self.status == "done" else 0)


class PartnerRecord(MarkedRecord):
    """One imported row: the partner's own id and the mapped fields (indexed and searchable)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records",
                              db_index=False)  # indexed through (batch, row_number)
    row_number = models.PositiveIntegerField()
    partner_id = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    observed_at = models.DateTimeField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "row_number"])]

    def __str__(self) -> str:
        return f"Imported record {self.pk}"
