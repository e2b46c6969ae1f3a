import re
import unicodedata

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connections, models
from django.db.models import F, Value
from django.utils.translation import gettext_lazy as _

# Changes the public can see ------------------------------------------------------------------


class RegistryChange(models.Model):
    """Changes the public can see, noted by PostgreSQL triggers (migration 0005) in the
    transaction of the write, whatever made it: a section's version is the sum of its weights,
    which grows with every committed change and never goes back. Cached pages and fragments
    are keyed on the versions, so a commit makes the older ones unreachable at once.

    Rows are only inserted (two writers never wait for one another on a shared counter), then
    folded into one row a section by whichever transaction gets to fold without waiting.
    """

    class Section(models.TextChoices):
        PAGES = "pages", "pages publiques"
        COUNTS = "counts", "comptes de l'index"

    section = models.CharField(max_length=10, choices=Section)
    weight = models.BigIntegerField()

    class Meta:
        verbose_name = "changement public"
        indexes = [models.Index(fields=["section"], name="portal_registrychange_section")]

    def __str__(self):
        return f"{self.section} +{self.weight}"


# Verification reminders ---------------------------------------------------------------------


class VerificationReminder(models.Model):
    """One weekly reminder sent to one person: the log that keeps `send_review_reminders` from
    writing twice in a week, however often cron runs it (the unique week decides)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        related_name="verification_reminders",
    )
    week = models.DateField("semaine du")  # its Monday
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)
    records = models.PositiveIntegerField("fiches à vérifier")

    class Meta:
        verbose_name = "rappel de vérification"
        verbose_name_plural = "rappels de vérification"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "week"], name="portal_verificationreminder_once_a_week"
            )
        ]

    def __str__(self):
        return f"{self.user} — semaine du {self.week:%d/%m/%Y}"


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


class SearchWordQuerySet(models.QuerySet):
    def rebuild(self):
        """Every word of the titles of the public initiatives and the names of the published
        organisations, in its most frequent spelling: forgets the words of records unpublished
        since they were learnt (the triggers of migration 0005 only add words)."""
        with connections[self.db].cursor() as cursor:
            cursor.execute("SELECT registre_search_words_rebuild()")

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

    Learnt by PostgreSQL as records become public (migration 0005) and never pruned on the
    way: a word
    may outlive the record that brought it, so a correction is offered only when the
    corrected query finds a public record (portal.catalogue.search.search_or_correct).
    """

    word = models.CharField("mot", max_length=40, help_text="Sans accents, en minuscules.")
    spelling = models.CharField("graphie", max_length=40, help_text="La plus fréquente.")

    objects = SearchWordQuerySet.as_manager()

    class Meta:
        verbose_name = "mot du vocabulaire de recherche"
        verbose_name_plural = "vocabulaire de recherche"
        indexes = [
            # Not unique: two transactions learning the same new word must not wait for one
            # another; a word learnt twice at once is harmless, and rebuilt away.
            models.Index(fields=["word"], name="portal_searchword_word"),
            GinIndex(OpClass(F("word"), name="gin_trgm_ops"), name="portal_searchword_trigram"),
        ]

    def __str__(self):
        return self.spelling


def rebuild_derived(using="default"):
    """Visibility, the public listing and its totals, and the search vocabulary again from the
    records, and every cached page and count invalidated: after a bulk load that deferred them
    (`registre.bulk_load`), or to repair. Ordinary writes need none of it."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT registre_rebuild_derived()")


# Email alerts ------------------------------------------------------------------------------


class AlertQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def due(self, today_start, week_start):
        """Confirmed alerts whose digest of the current day (daily) or week (weekly) is not
        sent yet: running `send_alerts` again the same day sends nothing twice."""
        daily = models.Q(frequency=Alert.Frequency.DAILY, sent_through__lt=today_start)
        weekly = models.Q(frequency=Alert.Frequency.WEEKLY, sent_through__lt=week_start)
        return self.confirmed().filter(daily | weekly)

    def unconfirmed_since(self, moment):
        return self.filter(confirmed_at__isnull=True, created_at__lt=moment)


class Alert(models.Model):
    """A saved list of the index (its filters) followed by email, without an account.

    The address is personal data: it is shown nowhere, in no page, export, dump or API, and
    is deleted with the alert on unsubscribing."""

    class Frequency(models.TextChoices):
        DAILY = "quotidien", _("Chaque jour")
        WEEKLY = "hebdomadaire", _("Chaque semaine")

    email = models.EmailField("adresse électronique")
    query = models.CharField("filtres de la liste", max_length=2000, blank=True)
    frequency = models.CharField(
        "fréquence", max_length=12, choices=Frequency, default=Frequency.WEEKLY
    )
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    confirmed_at = models.DateTimeField("confirmée le", null=True, blank=True)
    # Changes up to this moment have been sent (or were there before the confirmation).
    sent_through = models.DateTimeField("envoyée jusqu'au", null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = "alerte par courriel"
        verbose_name_plural = "alertes par courriel"
        constraints = [
            models.UniqueConstraint(fields=["email", "query"], name="portal_alert_once_per_list"),
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True)
                | models.Q(sent_through__isnull=False),
                name="portal_alert_confirmed_has_start",
            ),
        ]
        indexes = [models.Index(fields=["query"], name="portal_alert_query")]

    def __str__(self):
        return f"alerte {self.pk} ({self.get_frequency_display().lower()})"


# Staff sessions ----------------------------------------------------------------------------


class StaffSession(models.Model):
    """A staff member's signed-in session, listed on « Mes sessions » (portal.staff_sessions):
    recorded at sign-in, its last activity noted at most once a minute, removed at sign-out,
    when ended from another session, or once idle past the timeout. The key is never shown."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_sessions",
        verbose_name="agent",
    )
    session_key = models.CharField("clé de session", max_length=40)
    created = models.DateTimeField("ouverte le")
    last_seen = models.DateTimeField("dernière activité")
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=200, blank=True)

    class Meta:
        verbose_name = "session d'agent"
        verbose_name_plural = "sessions d'agents"
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["session_key"], name="portal_staffsession_unique_key")
        ]
        indexes = [models.Index(fields=["last_seen"], name="portal_staffsession_last_seen")]

    def __str__(self):
        return f"session de {self.user_id} depuis {self.created:%Y-%m-%d %H:%M}"
