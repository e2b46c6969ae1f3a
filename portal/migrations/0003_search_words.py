from itertools import chain

import django.contrib.postgres.indexes
from django.db import migrations, models
from django.db.models import Exists, F, Func, OuterRef

from portal.models import vocabulary


def fill_vocabulary(apps, schema_editor):
    """The words of the public titles and names, from the models as they are here (the
    querysets' published() is not available to a migration: its rule is spelled out)."""
    Initiative = apps.get_model("initiatives", "Initiative")
    Organisation = apps.get_model("actors", "Organisation")
    SearchWord = apps.get_model("portal", "SearchWord")
    in_lineage = Func(
        F("pk"), OuterRef("lineage"), template="%(expressions)s)", arg_joiner=" = ANY(",
        output_field=models.BooleanField(),
    )  # fmt: skip
    hidden_ancestor = Initiative.objects.exclude(publication_state="published").filter(in_lineage)
    initiatives = Initiative.objects.filter(publication_state="published").filter(
        ~Exists(hidden_ancestor)
    )
    organisations = Organisation.objects.filter(publication_state="published")
    texts = chain(
        initiatives.values_list("title", flat=True).iterator(5000),
        organisations.values_list("name", flat=True).iterator(5000),
    )
    SearchWord.objects.bulk_create(
        [SearchWord(word=key, spelling=spelling) for key, spelling in vocabulary(texts)],
        batch_size=5000,
    )


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
