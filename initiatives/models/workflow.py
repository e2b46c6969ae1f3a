"""The steps of the review workflow, with their comments: who did what to which record, when,
and to whom a request for changes is addressed."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class ReviewStepQuerySet(models.QuerySet):
    def of(self, record):
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )


class ReviewStep(models.Model):
    class Action(models.TextChoices):
        SUBMIT = "submit", "Soumis à la relecture"
        REQUEST_CHANGES = "request_changes", "Modifications demandées"
        PUBLISH = "publish", "Publié"
        ARCHIVE = "archive", "Archivé"
        UNPUBLISH = "unpublish", "Repassé en brouillon"
        VERIFY = "verify", "Vérifié"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    action = models.CharField("étape", max_length=20, choices=Action)
    comment = models.TextField("commentaire", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="review_steps",
    )
    addressed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="adressé à",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_requests",
    )
    at = models.DateTimeField("le", default=timezone.now)
    # Digest bookkeeping: a step is told to reviewers once, by the first mail that includes it.
    notified_at = models.DateTimeField("notifié le", null=True, blank=True)

    objects = ReviewStepQuerySet.as_manager()

    class Meta:
        verbose_name = "étape de relecture"
        verbose_name_plural = "étapes de relecture"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-at"], name="initiatives_step_record"
            ),
            models.Index(fields=["action", "-at"], name="initiatives_step_action"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} ({self.at:%d/%m/%Y})"


class ReviewEmailPreference(models.Model):
    """How a reviewer hears of submissions: at once, in a daily digest, or not by email."""

    class Frequency(models.TextChoices):
        EACH = "each", "Un courriel par soumission"
        DAILY = "daily", "Un résumé quotidien"
        NEVER = "never", "Aucun courriel"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="agent",
        on_delete=models.CASCADE,
        related_name="review_email_preference",
    )
    frequency = models.CharField(
        "fiches soumises à la relecture",
        max_length=8,
        choices=Frequency,
        default=Frequency.EACH,
        help_text="Pour les fiches que vous pouvez publier.",
    )

    class Meta:
        verbose_name = "préférence de courriel"
        verbose_name_plural = "préférences de courriel"

    def __str__(self):
        return f"Courriels de relecture de {self.user.get_full_name() or self.user.get_username()}"
