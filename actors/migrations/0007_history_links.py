import django.db.models.deletion
import simple_history.models
from django.db import migrations, models

# Links were not recorded before this migration: every existing version gets the links the
# record has now, so reverting to an older version leaves them as they are (as it did before)
# instead of removing them all.
BACKFILL = [
    (
        "INSERT INTO actors_historicalorganisation_organised_events (id, history_id, organisation_id, event_id) "
        "SELECT link.id, h.history_id, link.organisation_id, link.event_id "
        "FROM actors_organisation_organised_events link JOIN actors_historicalorganisation h ON h.id = link.organisation_id"
    ),
    (
        "INSERT INTO actors_historicalorganisation_documents (id, history_id, organisation_id, document_id) "
        "SELECT link.id, h.history_id, link.organisation_id, link.document_id "
        "FROM actors_organisation_documents link JOIN actors_historicalorganisation h ON h.id = link.organisation_id"
    ),
]


class Migration(migrations.Migration):

    dependencies = [
        ('actors', '0006_listing_kept_by_database'),
        ('initiatives', '0008_history_links_and_sources'),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalOrganisation_documents',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('document', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.document')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='actors.historicalorganisation')),
                ('organisation', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='actors.organisation')),
            ],
            options={
                'verbose_name': 'HistoricalOrganisation_documents',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOrganisation_organised_events',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('event', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.event')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='actors.historicalorganisation')),
                ('organisation', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='actors.organisation')),
            ],
            options={
                'verbose_name': 'HistoricalOrganisation_organised_events',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        *[migrations.RunSQL(sql, migrations.RunSQL.noop) for sql in BACKFILL],
    ]
