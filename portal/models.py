import re
import unicodedata
from collections import Counter
from itertools import chain

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import TrigramSimilarity
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.signals import post_save
from django.dispatch import receiver

from actors.models import Organisation
from initiatives.models import Initiative

# Page cache --------------------------------------------------------------------------------


class RegistryVersion(models.Model):
    """One row, bumped by every change to the registry: cached public pages are keyed on it."""

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "version du registre"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=1), name="portal_registryversion_single_row"
            )
        ]

    def __str__(self):
        return str(self.number)


class Fragment(models.Model):
    """A value computed from the registry (facet counts), shared by every process and server:
    computed once per registry version, not once per worker. Rows of older versions are
    deleted as newer ones arrive (see portal.cache.remembered)."""

    key = models.CharField(max_length=64, primary_key=True)
    version = models.BigIntegerField(db_index=True)
    value = models.TextField()  # JSON

    class Meta:
        verbose_name = "fragment en cache"

    def __str__(self):
        return self.key


# Search vocabulary -------------------------------------------------------------------------

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


class SearchWordQuerySet(models.QuerySet):
    def learn(self, *texts):
        """Add the words of the texts that are not known yet. Insert-only (ON CONFLICT DO
        NOTHING, in key order): concurrent saves never block each other for long nor fail."""
        words = [SearchWord(word=key, spelling=spelling) for key, spelling in vocabulary(texts)]
        self.bulk_create(words, ignore_conflicts=True)

    def rebuild(self):
        """Replace the vocabulary by the words of the titles of the public initiatives and the
        names of the public organisations: after a bulk load (which sends no signal), and to
        forget the words of records unpublished since."""
        texts = chain(
            Initiative.objects.using(self.db)
            .published()
            .values_list("title", flat=True)
            .iterator(5000),
            Organisation.objects.using(self.db)
            .published()
            .values_list("name", flat=True)
            .iterator(5000),
        )
        words = [SearchWord(word=key, spelling=spelling) for key, spelling in vocabulary(texts)]
        with transaction.atomic(using=self.db):
            self.all().delete()
            self.bulk_create(words, batch_size=5000)

    def closest(self, keys, threshold):
        """{key: the known word most similar to it} for the keys (unaccented, lower-case
        words) that have one at least `threshold` similar; a known key is its own closest.

        One query: a UNION ALL of a lookup a key, each through the trigram index (`%` finds
        the candidates above pg_trgm's similarity_threshold, 0.3).
        """
        lookups = [
            self.filter(word__trigram_similar=key)
            .annotate(key=Value(key), similarity=TrigramSimilarity("word", Value(key)))
            .filter(similarity__gte=threshold)
            .order_by("-similarity", "word")[:1]
            for key in sorted(set(keys))
        ]
        if not lookups:
            return {}
        return {word.key: word for word in lookups[0].union(*lookups[1:], all=True)}


class SearchWord(models.Model):
    """A word of the title of a public initiative or the name of a public organisation, from
    which a mistyped query is corrected ("econmie" → "économie").

    Filled as records are published (see `learn_words`) and never pruned on the way: a word
    may outlive the record that brought it, so a correction is offered only when the
    corrected query finds a public record (portal.search.suggestion).
    """

    word = models.CharField("mot", max_length=40, help_text="Sans accents, en minuscules.")
    spelling = models.CharField("graphie", max_length=40, help_text="La plus fréquente.")

    objects = SearchWordQuerySet.as_manager()

    class Meta:
        verbose_name = "mot du vocabulaire de recherche"
        verbose_name_plural = "vocabulaire de recherche"
        constraints = [models.UniqueConstraint(fields=["word"], name="portal_searchword_unique")]
        indexes = [
            GinIndex(OpClass(F("word"), name="gin_trgm_ops"), name="portal_searchword_trigram")
        ]

    def __str__(self):
        return self.spelling


@receiver(post_save, sender=Initiative, dispatch_uid="search-words-initiative")
@receiver(post_save, sender=Organisation, dispatch_uid="search-words-organisation")
def learn_words(sender, instance, **kwargs):
    """Words of a record saved as published. An initiative under an unpublished parent counts
    too: its words are then known when the parent is published, which saves no child."""
    if instance.is_published:
        SearchWord.objects.learn(instance.title if sender is Initiative else instance.name)
