import django.contrib.postgres.indexes
from django.db import migrations, models


def fill_vocabulary(apps, schema_editor):
    """Filled the vocabulary with the application's code of the time; the database now learns
    and rebuilds it itself (migration 0005), so this step does nothing."""


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0002_registry_version'),
        ('actors', '0003_full_text_search'),  # pg_trgm, and the published organisations
    ]

    operations = [
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('word', models.CharField(help_text='Sans accents, en minuscules.', max_length=40, verbose_name='mot')),
                ('spelling', models.CharField(help_text='La plus fréquente.', max_length=40, verbose_name='graphie')),
            ],
            options={
                'verbose_name': 'mot du vocabulaire de recherche',
                'verbose_name_plural': 'vocabulaire de recherche',
                'indexes': [django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(models.F('word'), name='gin_trgm_ops'), name='portal_searchword_trigram')],
                'constraints': [models.UniqueConstraint(fields=('word',), name='portal_searchword_unique')],
            },
        ),
        migrations.RunPython(fill_vocabulary, migrations.RunPython.noop),
    ]
