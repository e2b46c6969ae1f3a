import re
import unicodedata
from collections import Counter
from itertools import chain

import django.contrib.postgres.indexes
from django.db import migrations, models
from django.db.models import Exists, F, Func, OuterRef

# How the words are cut and keyed, frozen here as it was when the migration was written (from
# portal.models): a migration never imports live code, which may change after it has run.
WORD = re.compile(r"[^\W\d_]+")  # a run of letters: "Hauts-de-France" is three words
WORD_LENGTHS = range(3, 41)  # shorter ones are mostly articles; longer ones are not words


def word_key(text):
    """As the database's registre_sort_key(): no accents, lower case ("Œuvre" → "oeuvre")."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words_in(text):
    """(key, spelling) of each word of the text: "Économie" → ("economie", "économie")."""
    for match in WORD.finditer(text or ""):
        spelling = match.group().lower()
        key = word_key(spelling)
        if len(spelling) in WORD_LENGTHS and len(key) in WORD_LENGTHS:
            yield key, spelling


def vocabulary(texts):
    """The words of the texts, each once, in its most frequent spelling, sorted by key."""
    seen = Counter(pair for text in texts for pair in words_in(text))
    spellings = {}
    for (key, spelling), _ in seen.most_common():
        spellings.setdefault(key, spelling)
    return sorted(spellings.items())


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
