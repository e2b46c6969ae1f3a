"""The publication workflow shared by the publishable records: states, permissions, locks."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

from initiatives.models.fields import ChoiceLabels, FieldConstraintErrors


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


class MonthsAfter(Func):
    """date + n months, as PostgreSQL counts them (31 January + 1 month = 28 or 29 February)."""

    template = "(%(expressions)s))::date"
    arg_joiner = " + make_interval(months => "
    output_field = models.DateField()


class PublishableQuerySet(models.QuerySet):
    def published(self):
        """The only road to public data."""
        return self.filter(publication_state=PublicationState.PUBLISHED)

    def verification_overdue(self, today=None):
        """Records not verified within their interval (never verified: counted from creation);
        archived records are not verified any more."""
        today = today or timezone.localdate()
        due = MonthsAfter(
            models.functions.Coalesce(F("last_verified"), F("created_at__date")),
            F("verification_interval"),
        )
        return (
            self.exclude(publication_state=PublicationState.ARCHIVED)
            .alias(verification_due=due)
            .filter(verification_due__lt=today)
        )

    def responsibility_of(self, user):
        """Records the user answers for, in person or through one of their teams."""
        return self.filter(Q(responsible=user) | Q(responsible_team__in=user.groups.all()))


class Publishable(ChoiceLabels, FieldConstraintErrors, models.Model):
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
    verification_interval = models.PositiveSmallIntegerField(
        "vérifier tous les (mois)",
        default=12,
        db_default=12,  # rows written by SQL (bulk loads, the demo generator) get it too
        help_text="Nombre de mois entre deux vérifications auprès des sources.",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="responsable",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="La personne qui vérifie cette fiche et reçoit les rappels.",
    )
    responsible_team = models.ForeignKey(
        "auth.Group",
        verbose_name="équipe responsable",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Ou l'équipe qui la vérifie (chacun de ses membres reçoit les rappels).",
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.is_published and not self.published_at:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def verification_due(self):
        """The day the next verification is due (see PublishableQuerySet.verification_overdue)."""
        start = self.last_verified or (self.created_at and timezone.localdate(self.created_at))
        if start is None:
            return None
        months = start.month - 1 + self.verification_interval
        year, month = start.year + months // 12, months % 12 + 1
        day = min(start.day, _days_in(year, month))
        return datetime.date(year, month, day)

    @property
    def is_published(self):
        return self.publication_state == PublicationState.PUBLISHED

    def set_publication_state(self, state):
        self.publication_state = state
        if state == PublicationState.PUBLISHED and not self.published_at:
            self.published_at = timezone.now()


def _days_in(year, month):
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day
