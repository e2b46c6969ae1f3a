from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, Func, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Least, Length, Substr
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from initiatives.markdown import render_markdown
from initiatives.partial_dates import PartialDateField, format_period
from initiatives.uploads import DocumentFileValidator


class SortKey(Func):
    """Accent- and case-insensitive sort key ("Économie" between "Eau" and "Emploi").

    The embedded PostgreSQL has no ICU collation, so French order comes from this immutable
    SQL function (unaccent + lower), created by the first migration.
    """

    function = "registre_sort_key"
    output_field = models.CharField()


def sort_key_field(source):
    return models.GeneratedField(
        expression=SortKey(F(source)), output_field=models.CharField(), db_persist=True
    )


SEARCH_CONFIG = "registre_fr"


def search_vector_field(**weighted_fields):
    """A stored tsvector of the fields, weighted A (title) > B (summary) > C (body)."""
    vectors = [
        SearchVector(*fields, config=SEARCH_CONFIG, weight=weight)
        for weight, fields in sorted(weighted_fields.items())
    ]
    expression = vectors[0]
    for vector in vectors[1:]:
        expression = expression + vector
    return models.GeneratedField(
        expression=expression, output_field=SearchVectorField(), db_persist=True
    )


def search_indexes(model_name):
    return [
        GinIndex(fields=["search_vector"], name=f"{model_name}_search"),
        GinIndex(OpClass(F("sort_key"), name="gin_trgm_ops"), name=f"{model_name}_trigram"),
    ]


def not_before(end, start):
    """end >= start, comparing partial dates at the coarser of their two precisions.

    "2016" is not before "2016-05": the year 2016 contains May 2016.
    """
    width = Least(Length(start), Length(end))
    return (
        Q(**{f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": True})
        | Q(GreaterThanOrEqual(Substr(end, 1, width), Substr(start, 1, width)))
    )


class InLineage(Func):
    """`pk = ANY(lineage)`: the row is the node with that lineage or one of its ancestors.

    Written this way round, PostgreSQL probes the primary key once per ancestor; the other way
    (`lineage @> ARRAY[pk]`) compares every row with every candidate and cannot use an index.
    """

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()


# Publication -----------------------------------------------------------------------------


class PublicationState(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    REVIEW = "review", "En relecture"
    PUBLISHED = "published", "Publié"
    ARCHIVED = "archived", "Archivé"


# Published and archived records may only be changed by those allowed to publish.
LOCKED_STATES = (PublicationState.PUBLISHED, PublicationState.ARCHIVED)


def publish_permission(model):
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def locked_for(user, record):
    """Published and archived records change only through those allowed to publish them."""
    return record.publication_state in LOCKED_STATES and not (
        user is not None and user.has_perm(publish_permission(type(record)))
    )


class PublishableQuerySet(models.QuerySet):
    def published(self):
        """The only road to public data."""
        return self.filter(publication_state=PublicationState.PUBLISHED)


class Publishable(models.Model):
    publication_state = models.CharField(
        "état de publication",
        max_length=12,
        choices=PublicationState,
        default=PublicationState.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField("publié le", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)
    last_verified = models.DateField(
        "vérifié le", null=True, blank=True, help_text="Dernière vérification auprès des sources."
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.is_published and not self.published_at:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.publication_state == PublicationState.PUBLISHED

    def set_publication_state(self, state):
        self.publication_state = state
        if state == PublicationState.PUBLISHED and not self.published_at:
            self.published_at = timezone.now()


# Trees -------------------------------------------------------------------------------------


class TreeQuerySet(models.QuerySet):
    def under(self, node):
        """The node and all its descendants: one indexed lookup on the stored lineage."""
        return self.filter(lineage__contains=[node.pk])


class TerritoryQuerySet(TreeQuerySet):
    def around(self, territory):
        """The territory, its sub-territories, and the territories it became or came from.

        A search on Picardie finds what is filed at the level of Hauts-de-France, its successor,
        and a search on Hauts-de-France finds what is filed under Picardie, below it.
        """
        return self.filter(
            Q(lineage__contains=[territory.pk])
            | Q(pk__in=territory.successors.values("pk"))
            | Q(pk__in=territory.predecessors.values("pk"))
        )


class TreeNode(models.Model):
    """A node whose `lineage` (ids from the root down to itself) is kept by a database trigger.

    The trigger (migration 0001) recomputes the lineage on every insert and move, cascades it to
    the descendants, and refuses a cycle, whatever wrote the row.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name="parent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    lineage = ArrayField(models.BigIntegerField(), default=list, editable=False)

    class Meta:
        abstract = True

    # Columns the database computes on every write; read back after a save.
    derived_fields = ("lineage",)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        values = type(self).objects.values_list(*self.derived_fields).get(pk=self.pk)
        for name, value in zip(self.derived_fields, values, strict=True):
            setattr(self, name, value)

    def clean(self):
        super().clean()
        if (
            self.parent_id
            and self.pk
            and (self.parent_id == self.pk or self.pk in (self.parent.lineage or []))
        ):
            raise ValidationError({"parent": "Un élément ne peut pas être rangé sous lui-même."})

    def ancestors(self):
        """Ancestors from the root down, in one query."""
        rows = {row.pk: row for row in type(self).objects.filter(pk__in=self.lineage[:-1])}
        return [rows[pk] for pk in self.lineage[:-1] if pk in rows]


def tree_constraints(name):
    return [
        models.CheckConstraint(
            condition=~Q(parent=F("pk")), name=f"initiatives_{name}_not_own_parent"
        ),
    ]


# Vocabularies ------------------------------------------------------------------------------


class Territory(TreeNode):
    class Kind(models.TextChoices):
        COUNTRY = "country", "Pays (État)"
        REGION = "region", "Région"
        FORMER_REGION = "former_region", "Ancienne région"
        DEPARTMENT = "department", "Département"
        INTERCOMMUNALITY = "intercommunality", "Intercommunalité"
        PAYS = "pays", "Pays"
        BASIN = "basin", "Bassin"
        METROPOLITAN_AREA = "metropolitan_area", "Aire métropolitaine"
        COMMUNE = "commune", "Commune"
        PLACE = "place", "Lieu"

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(unique=True, max_length=200)
    kind = models.CharField("type", max_length=20, choices=Kind)
    code = models.CharField(
        "code officiel", max_length=20, blank=True, help_text="Code INSEE ou SIREN."
    )
    description = models.TextField("description", blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    valid_from = PartialDateField("existe depuis", null=True, blank=True)
    valid_until = PartialDateField("existe jusqu'à", null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        verbose_name="successeurs",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        help_text="Territoires issus de celui-ci (fusion de régions, de communes…).",
    )
    sort_key = sort_key_field("name")

    objects = TerritoryQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["lineage", "sort_key"], m2m_fields=[successors])

    class Meta:
        verbose_name = "territoire"
        ordering = ["sort_key"]
        indexes = [GinIndex(fields=["lineage"], name="initiatives_territory_lineage")]
        constraints = [
            *tree_constraints("territory"),
            models.CheckConstraint(
                condition=not_before("valid_until", "valid_from"),
                name="initiatives_territory_validity_order",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__range=(-90, 90), longitude__range=(-180, 180)),
                name="initiatives_territory_coordinates",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("initiatives:territory", args=[self.slug])

    @property
    def validity(self):
        return format_period(self.valid_from, self.valid_until)

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None


class Theme(TreeNode):
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(unique=True, max_length=200)
    description = models.TextField("description", blank=True)
    sort_key = sort_key_field("name")

    objects = TreeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["lineage", "sort_key"])

    class Meta:
        verbose_name = "thématique"
        ordering = ["sort_key"]
        indexes = [GinIndex(fields=["lineage"], name="initiatives_theme_lineage")]
        constraints = tree_constraints("theme")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("initiatives:theme", args=[self.slug])


class ActivityType(models.Model):
    """A "métier": the kind of work done, e.g. "Mise en réseau d'acteurs"."""

    name = models.CharField("nom", max_length=200, unique=True)
    slug = models.SlugField(unique=True, max_length=200)
    sort_key = sort_key_field("name")

    class Meta:
        verbose_name = "métier"
        ordering = ["sort_key"]

    def __str__(self):
        return self.name


class Keyword(models.Model):
    """A thesaurus term; `label` is the French one, other languages in KeywordLabel."""

    label = models.CharField("libellé (français)", max_length=200, unique=True)
    slug = models.SlugField(unique=True, max_length=200)
    sort_key = sort_key_field("label")

    class Meta:
        verbose_name = "mot-clé"
        ordering = ["sort_key"]

    def __str__(self):
        return self.label

    def label_in(self, language):
        if language == "fr":
            return self.label
        for translation in self.labels.all():
            if translation.language == language:
                return translation.label
        return self.label


class Language(models.TextChoices):
    FRENCH = "fr", "français"
    ENGLISH = "en", "anglais"
    PORTUGUESE = "pt", "portugais"
    GERMAN = "de", "allemand"
    DUTCH = "nl", "néerlandais"
    SPANISH = "es", "espagnol"


class KeywordLabel(models.Model):
    keyword = models.ForeignKey(Keyword, on_delete=models.CASCADE, related_name="labels")
    language = models.CharField("langue", max_length=5, choices=Language)
    label = models.CharField("libellé", max_length=200)

    class Meta:
        verbose_name = "libellé traduit"
        verbose_name_plural = "libellés traduits"
        constraints = [
            models.UniqueConstraint(
                fields=["keyword", "language"], name="initiatives_keywordlabel_one_per_language"
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.language})"


# Documents and sources ---------------------------------------------------------------------


class Document(Publishable):
    class Kind(models.TextChoices):
        WHITE_PAPER = "white_paper", "Livre blanc"
        INTERNAL = "internal", "Document interne"
        RECORD = "record", "Fiche d'expérience"
        FRAMEWORK = "framework", "Référentiel"
        ROADMAP = "roadmap", "Feuille de route"
        STUDY = "study", "Étude"
        REPORT = "report", "Rapport, bilan"
        ARTICLE = "article", "Article, billet"
        WEB_PAGE = "web_page", "Page web"
        OTHER = "other", "Autre"

    title = models.CharField("titre", max_length=300)
    slug = models.SlugField(unique=True, max_length=200)
    kind = models.CharField("type", max_length=20, choices=Kind)
    authors = models.CharField(
        "auteurs et éditeurs",
        max_length=300,
        blank=True,
        help_text="Tels qu'écrits sur le document ; les organisations liées sont dans Acteurs.",
    )
    publication_date = PartialDateField("date de publication", null=True, blank=True)
    url = models.URLField("lien", max_length=500, blank=True)
    file = models.FileField(
        "fichier",
        upload_to="documents/%Y/",
        blank=True,
        validators=[DocumentFileValidator()],
        help_text="PDF, image, texte ou bureautique, 20 Mo au plus ; téléchargé par le public "
        "seulement quand le document est publié.",
    )
    language = models.CharField("langue", max_length=5, choices=Language, default=Language.FRENCH)
    bibliographic_note = models.TextField("notice bibliographique", blank=True)
    summary = models.TextField("résumé", blank=True)
    keywords = models.ManyToManyField(Keyword, verbose_name="mots-clés", blank=True)
    sort_key = sort_key_field("title")
    search_vector = search_vector_field(
        A=["title"], B=["authors", "summary"], C=["bibliographic_note"]
    )

    history = HistoricalRecords(
        excluded_fields=["sort_key", "search_vector"], m2m_fields=[keywords]
    )

    class Meta:
        verbose_name = "document"
        indexes = search_indexes("initiatives_document")
        permissions = [("publish_document", "Peut publier, dépublier et archiver")]
        ordering = ["sort_key"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("initiatives:document", args=[self.slug])

    def get_download_url(self):
        return reverse("initiatives:document_file", args=[self.slug]) if self.file else ""


class SourceCitation(models.Model):
    """Where a fact comes from: a Document of the registry or a web page seen on a date."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    document = models.ForeignKey(
        Document, verbose_name="document", null=True, blank=True, on_delete=models.PROTECT
    )
    url = models.URLField("adresse", max_length=500, blank=True)
    accessed_on = models.DateField("consulté le", null=True, blank=True)
    note = models.CharField("précision", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "source"
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False) | ~Q(url=""),
                name="initiatives_sourcecitation_document_or_url",
            )
        ]

    def __str__(self):
        return str(self.document) if self.document_id else self.url


# Initiatives -------------------------------------------------------------------------------


class InitiativeQuerySet(TreeQuerySet, PublishableQuerySet):
    def published(self):
        """Published initiatives whose every ancestor is published too (`is_public`, which
        PostgreSQL keeps on every write, whatever wrote the row)."""
        return self.filter(is_public=True)

    def with_public_lineage(self):
        """The publication rule computed afresh from its definition, for checks: published,
        and every ancestor published."""
        hidden_ancestor = Initiative.objects.exclude(
            publication_state=PublicationState.PUBLISHED
        ).filter(InLineage(F("pk"), OuterRef("lineage")))
        return self.filter(publication_state=PublicationState.PUBLISHED).filter(
            ~Exists(hidden_ancestor)
        )

    def in_territory(self, territory):
        """Public initiatives filed under the territory or below it, or under its
        predecessors or successors (one GIN lookup in the listing)."""
        return self.filter(listing__territories__contains=[territory.pk])

    def in_theme(self, theme):
        """Public initiatives filed under the theme or one of its sub-themes."""
        return self.filter(listing__themes__contains=[theme.pk])

    def related_to(self, initiative, limit=5, candidates=200):
        """Public initiatives sharing themes or territories with this one, the most shared first
        (its parent and children are listed elsewhere on its page).

        A theme or territory counts as shared when the other initiative is filed under it or
        below it. Only the `candidates` most recently updated initiatives sharing something are
        ranked: an initiative filed under the whole region shares it with every other one.
        """
        themes = [theme.pk for theme in initiative.themes.all()]  # prefetched by the page
        territories = [territory.pk for territory in initiative.territories.all()]
        children = [child.pk for child in initiative.children.all()]  # only public ones count
        if not themes and not territories:
            return self.none()
        candidates = (
            Listing.objects.filter(Q(themes__overlap=themes) | Q(territories__overlap=territories))
            .exclude(pk__in=[initiative.pk, initiative.parent_id or 0, *children])
            .order_by("-updated_at")
            .values("pk")[:candidates]
        )

        def shared(prefix):
            return sum(
                [
                    Case(When(**{f"{prefix}themes__contains": [pk]}, then=1), default=0)
                    for pk in themes
                ]
                + [
                    Case(When(**{f"{prefix}territories__contains": [pk]}, then=1), default=0)
                    for pk in territories
                ],
                Value(0),
            )

        # Ranked on the narrow listing rows; only the chosen few initiatives are read.
        closest = (
            Listing.objects.filter(pk__in=candidates)
            .annotate(shared=shared(""))
            .order_by("-shared", "sort_key", "pk")
            .values("pk")[:limit]
        )
        return (
            self.filter(pk__in=closest)
            .annotate(shared=shared("listing__"))
            .order_by("-shared", "sort_key", "pk")
        )

    def with_first_year(self):
        """Annotate the earliest of the start and the milestones' dates (LEAST skips NULLs).

        A subquery per row, not a join and GROUP BY: with a LIMIT, PostgreSQL computes it for
        the rows shown only.
        """
        first_milestone = (
            Milestone.objects.filter(initiative=OuterRef("pk")).order_by("date").values("date")[:1]
        )
        return self.annotate(first_date=Least(Subquery(first_milestone), F("start")))

    def top_level(self, limit):
        """Initiatives without a parent, programmes first: the entry points of the registry."""
        programmes_first = Case(When(listing__kind=Initiative.Kind.PROGRAMME, then=0), default=1)
        return self.filter(listing__is_top_level=True).order_by(
            programmes_first, "listing__sort_key"
        )[:limit]


class Initiative(TreeNode, Publishable):
    class Kind(models.TextChoices):
        PROGRAMME = "programme", "Programme"
        OPERATION = "operation", "Opération de développement"
        PROJECT = "project", "Projet"
        NETWORK = "network", "Réseau"
        ACTION_RESEARCH = "action_research", "Étude-action"
        SUPPORT = "support", "Accompagnement"
        CONFERENCE = "conference", "Conférence, atelier"

    class Status(models.TextChoices):
        PLANNED = "planned", "En projet"
        ONGOING = "ongoing", "En cours"
        DORMANT = "dormant", "En veille"
        DONE = "done", "Terminé"
        ABANDONED = "abandoned", "Abandonné"

    title = models.CharField("titre", max_length=300)
    slug = models.SlugField(unique=True, max_length=200)
    acronym = models.CharField("sigle", max_length=30, blank=True)
    kind = models.CharField("type", max_length=20, choices=Kind)
    status = models.CharField("statut", max_length=12, choices=Status, default=Status.ONGOING)
    summary = models.TextField("résumé", blank=True, help_text="Deux ou trois phrases.")
    body = models.TextField("description", blank=True, help_text="Markdown.")
    objectives = models.TextField("objectifs", blank=True, help_text="Markdown.")
    start = PartialDateField("début", null=True, blank=True)
    end = PartialDateField("fin", null=True, blank=True)
    website = models.URLField("site web", max_length=500, blank=True)
    activity_types = models.ManyToManyField(ActivityType, verbose_name="métiers", blank=True)
    themes = models.ManyToManyField(Theme, verbose_name="thématiques", blank=True)
    territories = models.ManyToManyField(Territory, verbose_name="territoires", blank=True)
    keywords = models.ManyToManyField(Keyword, verbose_name="mots-clés", blank=True)
    documents = models.ManyToManyField(
        Document, verbose_name="documents", blank=True, related_name="initiatives"
    )
    sources = GenericRelation(SourceCitation)
    sort_key = sort_key_field("title")
    search_vector = search_vector_field(
        A=["title", "acronym"], B=["summary"], C=["objectives", "body"]
    )
    # Published with every ancestor published: computed by a trigger on every insert and
    # update and cascaded to the subtree (migration 0007), never written by Python.
    is_public = models.BooleanField("public", default=False, editable=False)

    objects = InitiativeQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["lineage", "sort_key", "search_vector", "is_public"],
        m2m_fields=[themes, territories, activity_types, keywords, documents],
    )

    class Meta:
        verbose_name = "initiative"
        permissions = [("publish_initiative", "Peut publier, dépublier et archiver")]
        ordering = ["sort_key"]
        indexes = [
            GinIndex(fields=["lineage"], name="initiatives_initiative_lineage"),
            models.Index(fields=["start"], name="initiatives_initiative_start"),
            *search_indexes("initiatives_initiative"),
        ]
        constraints = [
            *tree_constraints("initiative"),
            models.CheckConstraint(
                condition=not_before("end", "start"), name="initiatives_initiative_end_after_start"
            ),
        ]

    derived_fields = ("lineage", "is_public")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("initiatives:detail", args=[self.slug])

    @property
    def period(self):
        return format_period(self.start, self.end)

    @property
    def first_year(self):
        """From with_first_year(): the year its story begins, "2002" for the EFC support."""
        first = getattr(self, "first_date", None)
        return int(str(first)[:4]) if first else None

    def body_html(self):
        return render_markdown(self.body)

    def objectives_html(self):
        return render_markdown(self.objectives)


class ListingQuerySet(models.QuerySet):
    def in_territory(self, territory):
        return self.filter(territories__contains=[territory.pk])

    def in_theme(self, theme):
        return self.filter(themes__contains=[theme.pk])

    def active_between(self, first_year, last_year):
        """Active at some point of the year range; open ends count as still going."""
        conditions = Q()
        if last_year is not None:
            conditions &= Q(start__isnull=True) | Q(start__lt=str(last_year + 1))
        if first_year is not None:
            conditions &= Q(end__isnull=True) | Q(end__gte=str(first_year))
        return self.filter(conditions)


class Listing(models.Model):
    """One row per public initiative (published, under published ancestors), holding what the
    public pages filter, count and sort on, so that they never scan the wide initiative rows
    nor join the link tables: the trees are flattened into arrays with GIN indexes.

    It is derived data, kept by PostgreSQL triggers (actors migration 0006) in the transaction
    of every write that affects a row, whatever wrote it: initiatives, their themes and
    territories, the trees, territory successions, actors and their involvements. It speeds
    reads up; it never decides visibility (`Initiative.is_public` does).
    """

    initiative = models.OneToOneField(
        Initiative, primary_key=True, on_delete=models.CASCADE, related_name="listing"
    )
    is_top_level = models.BooleanField()
    kind = models.CharField(max_length=20, choices=Initiative.Kind)
    status = models.CharField(max_length=12, choices=Initiative.Status)
    start = PartialDateField(null=True)
    end = PartialDateField(null=True)
    sort_key = models.CharField(max_length=300)
    updated_at = models.DateTimeField()
    # Themes and their ancestors.
    themes = ArrayField(models.BigIntegerField(), default=list)
    # Territories, their ancestors, and the territories they became or came from.
    territories = ArrayField(models.BigIntegerField(), default=list)
    # Published organisations involved, the roles of public actors, "<organisation>:<role>".
    organisations = ArrayField(models.BigIntegerField(), default=list)
    roles = ArrayField(models.CharField(max_length=20), default=list)
    organisation_roles = ArrayField(models.CharField(max_length=40), default=list)

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne de l'index public"
        indexes = [
            models.Index(fields=["sort_key", "initiative"], name="initiatives_listing_title"),
            models.Index(fields=["-updated_at"], name="initiatives_listing_updated"),
            models.Index(fields=["start"], name="initiatives_listing_start"),
            models.Index(
                Case(When(kind=Initiative.Kind.PROGRAMME, then=0), default=1),
                "sort_key",
                condition=Q(is_top_level=True),
                name="initiatives_listing_entries",
            ),
            GinIndex(fields=["themes"], name="initiatives_listing_themes"),
            GinIndex(fields=["territories"], name="initiatives_listing_places"),
            GinIndex(fields=["organisations"], name="initiatives_listing_orgs"),
            GinIndex(fields=["roles"], name="initiatives_listing_roles"),
            GinIndex(fields=["organisation_roles"], name="initiatives_listing_org_roles"),
        ]

    def __str__(self):
        return str(self.pk)


class ListingTotalQuerySet(models.QuerySet):
    def count_of(self, column, key):
        """How many public initiatives hold this value ("territories", 12): the count of a
        territory's or theme's page, without counting the rows."""
        rows = self.filter(column=column, key=str(key))
        return rows.aggregate(count=Sum("count"))["count"] or 0

    def summed(self):
        """(column, key, count) rows: a value's deltas added up, zero counts left out."""
        return (
            self.values("column", "key")
            .annotate(total=Sum("count"))
            .filter(total__gt=0)
            .values_list("column", "key", "total")
        )


class ListingTotal(models.Model):
    """How many listing rows hold each value of each array or choice column ("total" and ""
    for all of them): the counts of the unfiltered index and of the territory and theme pages,
    which would otherwise count up to every public initiative.

    Kept by the database with the listing (actors migration 0006). A value's count is the sum
    of its rows: each change inserts its deltas (so two transactions never wait for one
    another on a shared counter) and folds them into one row when no other transaction is
    folding at the same time.
    """

    column = models.CharField(max_length=20)
    key = models.CharField(max_length=64, blank=True)
    count = models.IntegerField()

    objects = ListingTotalQuerySet.as_manager()

    class Meta:
        verbose_name = "total de l'index public"
        indexes = [models.Index(fields=["column", "key"], name="initiatives_listingtotal_key")]

    def __str__(self):
        return f"{self.column} {self.key}: {self.count}"


class MilestoneQuerySet(models.QuerySet):
    def published(self):
        return self.filter(initiative__is_public=True)


class Milestone(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    date = PartialDateField("date")
    title = models.CharField("titre", max_length=300)
    text = models.TextField("texte", blank=True)

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "jalon"
        ordering = ["initiative", "date", "id"]

    def __str__(self):
        return f"{self.date} : {self.title}"


class EventQuerySet(models.QuerySet):
    def published(self):
        """Events of public initiatives."""
        return self.filter(initiative__is_public=True)

    def upcoming(self, today):
        """Planned events whose (partial) date is today or later: "2026" counts in 2026."""
        return self.filter(self._upcoming(today))

    def past(self, today):
        """Dated events that are not upcoming."""
        return self.filter(start__isnull=False).exclude(self._upcoming(today))

    @staticmethod
    def _upcoming(today):
        not_over = Q(start__gte=today.isoformat()) | Q(
            start__in=[str(today.year), f"{today.year:04d}-{today.month:02d}"]
        )
        # Implied by the above ("2026" <= "2026-11" <= "2026-11-22"), but it lets an index
        # scan in date order start at this year instead of the first event ever.
        this_year_or_later = Q(start__gte=str(today.year))
        return this_year_or_later & not_over & Q(status=Event.Status.PLANNED)


class Event(models.Model):
    class Kind(models.TextChoices):
        PLENARY = "plenary", "Réunion plénière"
        WORKSHOP = "workshop", "Atelier"
        WORKING_DAY = "working_day", "Journée de travail"
        TRAINING = "training", "Formation-action"
        TECHNICAL_DAY = "technical_day", "Journée technique"
        SEMINAR = "seminar", "Séminaire"
        CONFERENCE = "conference", "Assises, conférence"
        ELECTION = "election", "Séance, élection"

    class Status(models.TextChoices):
        PLANNED = "planned", "Prévu"
        HELD = "held", "Tenu"
        CANCELLED = "cancelled", "Annulé"

    initiative = models.ForeignKey(
        Initiative, verbose_name="initiative", on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField("titre", max_length=300)
    kind = models.CharField("type", max_length=20, choices=Kind)
    status = models.CharField("statut", max_length=12, choices=Status, default=Status.PLANNED)
    start = PartialDateField("date", null=True, blank=True)
    end = PartialDateField(
        "fin", null=True, blank=True, help_text="Pour un événement sur plusieurs jours."
    )
    date_note = models.CharField(
        "précision sur la date", max_length=200, blank=True, help_text="Ex. « en octobre »."
    )
    territory = models.ForeignKey(
        Territory, verbose_name="lieu", null=True, blank=True, on_delete=models.PROTECT
    )
    venue = models.CharField("lieu (précision)", max_length=300, blank=True)
    description = models.TextField("description", blank=True)
    sort_key = sort_key_field("title")
    search_vector = search_vector_field(A=["title"], B=["description"], C=["venue"])

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["sort_key", "search_vector"])

    class Meta:
        verbose_name = "événement"
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["start"], name="initiatives_event_start"),
            *search_indexes("initiatives_event"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=not_before("end", "start"), name="initiatives_event_end_after_start"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def when(self):
        if self.start and self.end and self.start != self.end:
            return f"du {self.start} au {self.end}"
        return str(self.start or self.date_note or "date non précisée")


class KeyFigureQuerySet(models.QuerySet):
    def published(self):
        """Figures of published initiatives, and figures about a territory alone."""
        return self.filter(Q(initiative__is_public=True) | Q(initiative__isnull=True))


class KeyFigure(models.Model):
    initiative = models.ForeignKey(
        Initiative,
        verbose_name="initiative",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="figures",
    )
    territory = models.ForeignKey(
        Territory,
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="figures",
    )
    value = models.DecimalField("valeur", max_digits=14, decimal_places=2)
    unit = models.CharField("unité", max_length=60, blank=True, help_text="Ex. emplois, %, km.")
    label = models.CharField("libellé", max_length=300, help_text="Ce que le chiffre mesure.")
    is_lower_bound = models.BooleanField("« plus de »", default=False)
    date = PartialDateField("date", null=True, blank=True)
    period_start = PartialDateField(
        "début de la période", null=True, blank=True, help_text="Pour une évolution (1962–1990)."
    )
    last_verified = models.DateField("vérifié le", null=True, blank=True)
    sources = GenericRelation(SourceCitation)

    objects = KeyFigureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chiffre clé"
        verbose_name_plural = "chiffres clés"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(initiative__isnull=False) | Q(territory__isnull=False),
                name="initiatives_keyfigure_has_subject",
            ),
            models.CheckConstraint(
                condition=not_before("date", "period_start"),
                name="initiatives_keyfigure_period_order",
            ),
        ]

    def __str__(self):
        return f"{self.value.normalize():f} {self.unit} {self.label}".strip()
