"""Proposed changes to published records: a Rédacteur's edit of a record the public sees, kept
aside until a Relecteur compares it with the published version and publishes or sends it back.

What is kept is the form as it was submitted (the record's fields and its parts' formsets), to
be replayed through the record's admin form when it is compared, previewed or published, with
what it changes and the record's version it was made on (see initiatives.concurrency).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone


class ProposalQuerySet(models.QuerySet):
    def of(self, record):
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )

    def open(self):
        return self.filter(state=Proposal.State.OPEN)

    def by(self, user):
        return self.filter(author=user)


class Proposal(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "En attente de relecture"
        PUBLISHED = "published", "Publiée"
        SENT_BACK = "sent_back", "Renvoyée à son auteur"
        WITHDRAWN = "withdrawn", "Retirée"

    content_type = models.ForeignKey(
        ContentType, verbose_name="type de fiche", on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField("fiche n°")
    record = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    state = models.CharField("état", max_length=12, choices=State, default=State.OPEN)
    comment = models.TextField("commentaire de l’auteur", blank=True)
    # The submitted form, {name: [values]}: replayed through the record's admin form.
    data = models.JSONField("formulaire proposé", default=dict)
    # What it changes: {"fields": [...], "parts": {prefix: {"changed": {pk: [...]},
    # "deleted": [pk, ...], "added": n}}}, computed when it was submitted.
    changes = models.JSONField("modifications", default=dict)
    edit_version = models.TextField("version de la fiche", blank=True)
    created_at = models.DateTimeField("proposée le", default=timezone.now)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="relue par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("relue le", null=True, blank=True)
    decision_comment = models.TextField("commentaire du relecteur", blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "proposition de modification"
        verbose_name_plural = "propositions de modification"
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="initiatives_proposal_record"),
            models.Index(fields=["state", "-updated_at"], name="initiatives_proposal_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "author"],
                condition=Q(state="open"),
                name="initiatives_proposal_one_open_per_author",
                violation_error_message=(
                    "Vous avez déjà une proposition en attente pour cette fiche\u202f: "
                    "reprenez-la plutôt que d’en faire une autre."
                ),
            ),
        ]

    def __str__(self):
        return f"Proposition n° {self.pk} de {self.author_name}"

    @property
    def author_name(self):
        if self.author is None:
            return "un agent supprimé"
        return self.author.get_full_name() or self.author.get_username()

    @property
    def is_open(self):
        return self.state == self.State.OPEN

    def form_data(self):
        """The submitted form as a QueryDict, as the admin's form and formsets read it."""
        data = QueryDict(mutable=True)
        for name, values in self.data.items():
            data.setlist(name, list(values))
        return data
