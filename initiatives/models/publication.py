"""The publication workflow shared by the publishable records: states, permissions, locks."""

from django.db import models
from django.utils import timezone


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
