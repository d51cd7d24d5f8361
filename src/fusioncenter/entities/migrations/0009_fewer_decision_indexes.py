from django.db import migrations, models

# (old index, its column; new index, its definition): Django's own names, dropped in place as in
# 0007 (Django would copy the tables anew on SQLite). PostgreSQL's `_like` twins are dropped and not
# re-created: nothing looks these columns up by prefix.
REPLACED = (
    ("entities_matchdecision_status_04ab4aee", "status",
     "entities_decision_status_at", "(status, at)"),
    ("entities_matchdecision_other_id_a30ad5d4", "other_id",
     "entities_decision_other", "(other_id) WHERE other_id IS NOT NULL"),
    ("entities_matchdecision_decided_by_id_8664b2e4", "decided_by_id",
     "entities_decision_decided_by", "(decided_by_id) WHERE decided_by_id IS NOT NULL"),
    ("entities_matchdecision_reverses_id_0e1c7675", "reverses_id",
     "entities_decision_reverses", "(reverses_id) WHERE reverses_id IS NOT NULL"),
)
TABLE = "entities_matchdecision"


class Migration(migrations.Migration):

    dependencies = [
        ('entities', '0008_links_from_mentions'),
    ]

    # An import writes a decision for each automatic match, into every index of the table: eight on
    # PostgreSQL (the primary key's included), six on SQLite, three of them on columns an automatic
    # match leaves empty. Now such a row goes into four on PostgreSQL (the key, the entity's, the
    # mention's, the review queue's) and three on SQLite; the other three take only the rows that
    # set their column. Search documents' county loses PostgreSQL's `_like` twin.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='matchdecision',
                    name='status',
                    field=models.CharField(choices=[('open', 'Open'), ('done', 'Done'), ('reversed', 'Reversed')],
                                           default='done', max_length=16),
                ),
                migrations.AlterField(
                    model_name='matchdecision',
                    name='other',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=models.deletion.CASCADE, related_name='+',
                                            to='entities.entity'),
                ),
                migrations.AlterField(
                    model_name='matchdecision',
                    name='decided_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=models.deletion.SET_NULL, related_name='+',
                                            to='core.user'),
                ),
                migrations.AlterField(
                    model_name='matchdecision',
                    name='reverses',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=models.deletion.SET_NULL, related_name='+',
                                            to='entities.matchdecision'),
                ),
                migrations.AddIndex(
                    model_name='matchdecision',
                    index=models.Index(fields=['status', 'at'], name='entities_decision_status_at'),
                ),
                migrations.AddIndex(
                    model_name='matchdecision',
                    index=models.Index(condition=models.Q(('other__isnull', False)), fields=['other'],
                                       name='entities_decision_other'),
                ),
                migrations.AddIndex(
                    model_name='matchdecision',
                    index=models.Index(condition=models.Q(('decided_by__isnull', False)), fields=['decided_by'],
                                       name='entities_decision_decided_by'),
                ),
                migrations.AddIndex(
                    model_name='matchdecision',
                    index=models.Index(condition=models.Q(('reverses__isnull', False)), fields=['reverses'],
                                       name='entities_decision_reverses'),
                ),
            ],
            database_operations=[
                *(migrations.RunSQL([f"DROP INDEX IF EXISTS {old}", f"CREATE INDEX {new} ON {TABLE} {definition}"],
                                    reverse_sql=[f"DROP INDEX IF EXISTS {new}", f"CREATE INDEX {old} ON {TABLE} ({column})"])
                  for old, column, new, definition in REPLACED),
                migrations.RunSQL(["DROP INDEX IF EXISTS entities_matchdecision_status_04ab4aee_like",
                                   "DROP INDEX IF EXISTS entities_searchdocument_county_fips_0f28e632_like"],
                                  reverse_sql=migrations.RunSQL.noop),
            ],
        ),
    ]
