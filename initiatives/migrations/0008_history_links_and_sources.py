import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# Links were not recorded before this migration: every existing version gets the links the
# record has now, so reverting to an older version leaves them as they are (as it did before)
# instead of removing them all.
BACKFILL = [
    (
        "INSERT INTO initiatives_historicalinitiative_keywords (id, history_id, initiative_id, keyword_id) "
        "SELECT link.id, h.history_id, link.initiative_id, link.keyword_id "
        "FROM initiatives_initiative_keywords link JOIN initiatives_historicalinitiative h ON h.id = link.initiative_id"
    ),
    (
        "INSERT INTO initiatives_historicalinitiative_documents (id, history_id, initiative_id, document_id) "
        "SELECT link.id, h.history_id, link.initiative_id, link.document_id "
        "FROM initiatives_initiative_documents link JOIN initiatives_historicalinitiative h ON h.id = link.initiative_id"
    ),
    (
        "INSERT INTO initiatives_historicaldocument_keywords (id, history_id, document_id, keyword_id) "
        "SELECT link.id, h.history_id, link.document_id, link.keyword_id "
        "FROM initiatives_document_keywords link JOIN initiatives_historicaldocument h ON h.id = link.document_id"
    ),
    (
        "INSERT INTO initiatives_historicalterritory_successors (id, history_id, from_territory_id, to_territory_id) "
        "SELECT link.id, h.history_id, link.from_territory_id, link.to_territory_id "
        "FROM initiatives_territory_successors link JOIN initiatives_historicalterritory h ON h.id = link.from_territory_id"
    ),
]


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('initiatives', '0007_visibility_in_database'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalDocument_keywords',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('document', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.document')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='initiatives.historicaldocument')),
                ('keyword', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.keyword')),
            ],
            options={
                'verbose_name': 'HistoricalDocument_keywords',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalInitiative_documents',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('document', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.document')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='initiatives.historicalinitiative')),
                ('initiative', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.initiative')),
            ],
            options={
                'verbose_name': 'HistoricalInitiative_documents',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalInitiative_keywords',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='initiatives.historicalinitiative')),
                ('initiative', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.initiative')),
                ('keyword', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.keyword')),
            ],
            options={
                'verbose_name': 'HistoricalInitiative_keywords',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalSourceCitation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('object_id', models.PositiveBigIntegerField()),
                ('url', models.URLField(blank=True, max_length=500, verbose_name='adresse')),
                ('accessed_on', models.DateField(blank=True, null=True, verbose_name='consulté le')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='précision')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('content_type', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contenttypes.contenttype')),
                ('document', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.document', verbose_name='document')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical source',
                'verbose_name_plural': 'historical sources',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalTerritory_successors',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('from_territory', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.territory')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='initiatives.historicalterritory')),
                ('to_territory', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.territory')),
            ],
            options={
                'verbose_name': 'HistoricalTerritory_successors',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        *[migrations.RunSQL(sql, migrations.RunSQL.noop) for sql in BACKFILL],
    ]
