"""Initiatives: the registry's core record, and their public queries."""

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Least
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltrans.fields import TranslationField

from initiatives.markdown import render_markdown
from initiatives.models.documents import Document, SourceCitation
from initiatives.models.fields import (
    InLineage,
    TitleLexemes,
    label_with,
    not_before,
    on_field,
    plain_text_field,
    search_indexes,
    search_vector_field,
    sort_key_field,
)
from initiatives.models.publication import PublicationState, Publishable, PublishableQuerySet
from initiatives.models.trees import TreeNode, TreeQuerySet, tree_constraints
from initiatives.models.versions import VersionHistory
from initiatives.models.vocabularies import ActivityType, Keyword, Territory, Theme
from initiatives.partial_dates import PartialDateField, format_period
from initiatives.translations import (
    english_search_vector_field,
    translated_from_field,
)


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

    def related_to(self, initiative, limit=8, candidates=200):
        """Public initiatives close to this one, each with `related_because` ("Même programme ·
        mêmes thématiques"): first its siblings under the same parent, then those sharing
        actors, then those sharing themes or territories; within each, the most shared first
        (its parent and children are listed elsewhere on its page).

        An actor counts when it is a published organisation involved in both, unless it is
        involved in a good part of the registry (the Region funds most initiatives: sharing it
        says nothing). A theme or territory counts when the other initiative is filed under it
        or below it. Each kind of closeness brings at most its `candidates` most recently
        updated initiatives, ranked on the narrow listing rows: an initiative filed under the
        whole region shares it with every other one. Two queries (one when no actor is
        involved): how common the actors are, then the ranked initiatives.
        """
        from initiatives.models.listing import Listing, ListingTotal  # imported late: cycle

        themes = [theme.pk for theme in initiative.themes.all()]  # prefetched by the page
        territories = [territory.pk for territory in initiative.territories.all()]
        children = [child.pk for child in initiative.children.all()]  # only public ones count
        actors = {
            involvement.organisation_id
            for involvement in initiative.involvements.all()  # public actors, prefetched
            if involvement.organisation_id
        }
        actors = sorted(actors - ListingTotal.objects.common("organisations", actors))
        listing = Listing.objects.exclude(
            pk__in=[initiative.pk, initiative.parent_id or 0, *children]
        )
        pools = []
        if initiative.parent_id:
            pools.append(listing.filter(initiative__parent=initiative.parent_id))
        if actors:
            pools.append(listing.filter(organisations__overlap=actors))
        if themes or territories:
            pools.append(
                listing.filter(Q(themes__overlap=themes) | Q(territories__overlap=territories))
            )
        if not pools:
            return []
        # A UNION, not an OR of IN (…): PostgreSQL then reads each pool through its index
        # and looks the few candidates up, instead of filtering every listing row.
        pools = [pool.order_by("-updated_at").values("pk")[:candidates] for pool in pools]
        nearby = Q(pk__in=pools[0].union(*pools[1:]))

        def closeness(prefix, parent):
            def shared(column, pks):
                lookup = f"{prefix}{column}__contains"
                cases = [Case(When(**{lookup: [pk]}, then=1), default=0) for pk in pks]
                return sum(cases, Value(0))

            return {
                "sibling": Case(When(**{parent: initiative.parent_id or 0}, then=1), default=0),
                "shared_actors": shared("organisations", actors),
                "shared_themes": shared("themes", themes),
                "shared_places": shared("territories", territories),
            }

        shared = F("shared_themes") + F("shared_places")
        order = ["-sibling", "-shared_actors", shared.desc(), "sort_key", "pk"]
        # Ranked on the narrow listing rows; only the chosen few initiatives are read.
        closest = (
            Listing.objects.filter(nearby)
            .annotate(**closeness("", "initiative__parent"))
            .order_by(*order)
            .values("pk")[:limit]
        )
        related = list(
            self.filter(pk__in=closest)
            .annotate(**closeness("listing__", "parent"))
            .order_by(*order)
        )
        for other in related:
            other.related_because = _because(other, initiative)
        return related

    def with_first_year(self):
        """Annotate the earliest of the start and the milestones' dates (LEAST skips NULLs).

        A subquery per row, not a join and GROUP BY: with a LIMIT, PostgreSQL computes it for
        the rows shown only.
        """
        from initiatives.models.parts import Milestone  # it refers to Initiative: imported late

        first_milestone = (
            Milestone.objects.filter(initiative=OuterRef("pk")).order_by("date").values("date")[:1]
        )
        return self.annotate(first_date=Least(Subquery(first_milestone), F("start")))

    def recently_updated(self):
        """Most recently changed first, in the order of the listing's index (an inner join: a
        LEFT JOIN to the listing would sort every public initiative)."""
        return self.filter(listing__isnull=False).order_by("-listing__updated_at")

    def top_level(self, limit):
        """Initiatives without a parent, programmes first: the entry points of the registry."""
        programmes_first = Case(When(listing__kind=Initiative.Kind.PROGRAMME, then=0), default=1)
        return self.filter(listing__is_top_level=True).order_by(
            programmes_first, "listing__sort_key"
        )[:limit]


class Initiative(TreeNode, Publishable):
    class Kind(models.TextChoices):
        PROGRAMME = "programme", _("Programme")
        OPERATION = "operation", _("Opération de développement")
        PROJECT = "project", _("Projet")
        NETWORK = "network", _("Réseau")
        ACTION_RESEARCH = "action_research", _("Étude-action")
        SUPPORT = "support", _("Accompagnement")
        CONFERENCE = "conference", _("Conférence, atelier")

    class Status(models.TextChoices):
        PLANNED = "planned", _("En projet")
        ONGOING = "ongoing", _("En cours")
        DORMANT = "dormant", _("En veille")
        DONE = "done", _("Terminé")
        ABANDONED = "abandoned", _("Abandonné")

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
    end_unknown = models.BooleanField(
        "fin inconnue des sources",
        default=False,
        db_default=False,  # for rows written by SQL (COPY, raw INSERT) that do not name it
        help_text="Pour une initiative terminée dont les sources ne disent pas quand : la "
        "page dit « fin non connue » au lieu de se taire, et le contrôle des données ne la "
        "signale plus.",
    )
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
    i18n = TranslationField(fields=("title", "summary", "objectives", "body"))
    translated_from = translated_from_field()
    search_vector_en = english_search_vector_field(
        ("title", "summary", "objectives", "body"),
        A=["title", "acronym"],
        B=["summary"],
        C=["objectives", "body"],
    )
    plain_text = plain_text_field(plain=["summary"], markdown=["objectives", "body"])
    # Published with every ancestor published: computed by a trigger on every insert and
    # update and cascaded to the subtree (migration 0007), never written by Python.
    is_public = models.BooleanField("public", default=False, editable=False)

    objects = InitiativeQuerySet.as_manager()
    history = VersionHistory(
        excluded_fields=[
            "lineage",
            "sort_key",
            "search_vector",
            "search_vector_en",
            "translated_from",
            "plain_text",
            "is_public",
        ],
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
            GinIndex(fields=["search_vector_en"], name="initiatives_init_search_en"),
            GinIndex(TitleLexemes(F("search_vector_en")), name="initiatives_init_titles_en"),
        ]
        constraints = [
            *tree_constraints("initiative"),
            on_field(
                "end",
                models.CheckConstraint(
                    condition=not_before("end", "start"),
                    name="initiatives_initiative_end_after_start",
                    violation_error_message="La fin ne peut pas précéder le début.",
                ),
            ),
        ]

    derived_fields = ("lineage", "is_public")

    def __str__(self):
        return self.title_i18n  # the French, or the English on English pages

    def get_absolute_url(self):
        return reverse("initiatives:detail", args=[self.slug])

    autocomplete_select_related = ("parent",)

    def autocomplete_label(self):
        """Filière bois — opération de développement, TESR: its kind and its parent."""
        name = f"{self.title} ({self.acronym})" if self.acronym else self.title
        parent = self.parent and (self.parent.acronym or self.parent.title)
        return label_with(name, self.get_kind_display(), parent)

    FINISHED = (Status.DONE, Status.ABANDONED)

    @property
    def period(self):
        # A finished initiative without an end must not read "depuis 1996", as if still going.
        if self.status in self.FINISHED and not self.end:
            return f"{self.start} – fin non connue" if self.start else ""
        return format_period(self.start, self.end)

    @property
    def first_year(self):
        """From with_first_year(): the year its story begins, "2002" for the EFC support."""
        first = getattr(self, "first_date", None)
        return int(str(first)[:4]) if first else None

    def body_html(self):
        return render_markdown(self.body_i18n)

    def objectives_html(self):
        return render_markdown(self.objectives_i18n)


def _because(other, initiative):
    """Why `other` is shown as close to `initiative`: "Même programme · mêmes thématiques"."""
    reasons = []
    if other.sibling:
        programme = initiative.parent.kind == Initiative.Kind.PROGRAMME
        reasons.append(
            gettext("même programme") if programme else gettext("même initiative parente")
        )
    if other.shared_actors:
        reasons.append(ngettext("même acteur", "mêmes acteurs", other.shared_actors))
    if other.shared_themes:
        reasons.append(ngettext("même thématique", "mêmes thématiques", other.shared_themes))
    if other.shared_places:
        reasons.append(ngettext("même territoire", "mêmes territoires", other.shared_places))
    text = " · ".join(reasons)
    return text[:1].upper() + text[1:]
