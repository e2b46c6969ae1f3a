"""The parts of an initiative: milestones, events and key figures."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from modeltrans.fields import TranslationField

from initiatives.models.documents import SourceCitation
from initiatives.models.fields import (
    ChoiceLabels,
    FieldConstraintErrors,
    label_with,
    not_before,
    on_field,
    search_indexes,
    search_vector_field,
    sort_key_field,
)
from initiatives.models.initiatives import Initiative
from initiatives.models.versions import VersionHistory
from initiatives.models.vocabularies import Territory
from initiatives.partial_dates import PartialDateField, english
from initiatives.translations import translated_from_field
from initiatives.typography import figure_text


class MilestoneQuerySet(models.QuerySet):
    def published(self):
        return self.filter(initiative__is_public=True)


class Milestone(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    date = PartialDateField("date")
    title = models.CharField("titre", max_length=300)
    text = models.TextField("texte", blank=True)

    objects = MilestoneQuerySet.as_manager()
    history = VersionHistory()

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


class Event(ChoiceLabels, FieldConstraintErrors, models.Model):
    class Kind(models.TextChoices):
        PLENARY = "plenary", _("Réunion plénière")
        WORKSHOP = "workshop", _("Atelier")
        WORKING_DAY = "working_day", _("Journée de travail")
        TRAINING = "training", _("Formation-action")
        TECHNICAL_DAY = "technical_day", _("Journée technique")
        SEMINAR = "seminar", _("Séminaire")
        CONFERENCE = "conference", _("Assises, conférence")
        ELECTION = "election", _("Séance, élection")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Prévu")
        HELD = "held", _("Tenu")
        CANCELLED = "cancelled", _("Annulé")
        # Announced by a source that does not say whether it took place.
        UNCONFIRMED = "unconfirmed", _("Non confirmé")

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
    history = VersionHistory(excluded_fields=["sort_key", "search_vector"])

    class Meta:
        verbose_name = "événement"
        ordering = ["start", "id"]
        indexes = [
            # The soonest events first (the agenda's upcoming list: at a million initiatives,
            # "2026" alone dates 13,000 events, which a sort by title had to read whole), and
            # every lookup by date.
            models.Index(fields=["start", "sort_key", "id"], name="initiatives_event_soonest"),
            # The latest events first (the agenda's past, a territory's page), read in this order
            # until a page of them is found.
            models.Index(
                F("start").desc(nulls_last=True), "sort_key", "id", name="initiatives_event_latest"
            ),
            # The API's list, read in this order from any cursor.
            models.Index(fields=["sort_key", "id"], name="initiatives_event_order"),
            *search_indexes("initiatives_event"),
        ]
        constraints = [
            on_field(
                "end",
                models.CheckConstraint(
                    condition=not_before("end", "start"),
                    name="initiatives_event_end_after_start",
                    violation_error_message="La fin de l’événement ne peut pas précéder sa date.",
                ),
            ),
        ]

    def __str__(self):
        return self.title

    autocomplete_select_related = ("initiative",)

    def autocomplete_label(self):
        initiative = self.initiative.acronym or self.initiative.title
        return label_with(self.title, self.get_kind_display(), self.start, initiative)

    @property
    def when(self):
        if english():
            if self.start and self.end and self.start != self.end:
                return f"from {self.start} to {self.end}"
            return str(self.start or self.date_note or "date not specified")
        if self.start and self.end and self.start != self.end:
            return f"du {self.start} au {self.end}"
        return str(self.start or self.date_note or "date non précisée")


class KeyFigureQuerySet(models.QuerySet):
    def published(self):
        """Figures of published initiatives, and figures about a territory alone."""
        return self.filter(Q(initiative__is_public=True) | Q(initiative__isnull=True))


class KeyFigure(FieldConstraintErrors, models.Model):
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
    i18n = TranslationField(fields=("label", "unit"))
    translated_from = translated_from_field()

    objects = KeyFigureQuerySet.as_manager()
    history = VersionHistory(excluded_fields=["translated_from"])

    class Meta:
        verbose_name = "chiffre clé"
        verbose_name_plural = "chiffres clés"
        ordering = ["id"]
        constraints = [
            on_field(
                "territory",
                models.CheckConstraint(
                    condition=Q(initiative__isnull=False) | Q(territory__isnull=False),
                    name="initiatives_keyfigure_has_subject",
                    violation_error_message=(
                        "Un chiffre clé porte sur une initiative ou sur un territoire : indiquez "
                        "le territoire."
                    ),
                ),
            ),
            on_field(
                "date",
                models.CheckConstraint(
                    condition=not_before("date", "period_start"),
                    name="initiatives_keyfigure_period_order",
                    violation_error_message=(
                        "La date du chiffre ne peut pas précéder le début de sa période."
                    ),
                ),
            ),
        ]

    def __str__(self):
        return figure_text(self.value, self.unit_i18n, self.label_i18n)
