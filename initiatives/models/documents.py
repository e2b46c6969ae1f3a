"""Documents and the sources cited for a record."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from initiatives.models.fields import (
    FieldConstraintErrors,
    label_with,
    on_field,
    search_indexes,
    search_vector_field,
    sort_key_field,
)
from initiatives.models.publication import Publishable
from initiatives.models.versions import VersionHistory
from initiatives.models.vocabularies import Keyword, Language
from initiatives.partial_dates import PartialDateField
from initiatives.uploads import DocumentFileValidator


class Document(Publishable):
    class Kind(models.TextChoices):
        WHITE_PAPER = "white_paper", _("Livre blanc")
        INTERNAL = "internal", _("Document interne")
        RECORD = "record", _("Fiche d'expérience")
        FRAMEWORK = "framework", _("Référentiel")
        ROADMAP = "roadmap", _("Feuille de route")
        STUDY = "study", _("Étude")
        REPORT = "report", _("Rapport, bilan")
        ARTICLE = "article", _("Article, billet")
        WEB_PAGE = "web_page", _("Page web")
        OTHER = "other", _("Autre")

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

    history = VersionHistory(excluded_fields=["sort_key", "search_vector"], m2m_fields=[keywords])

    class Meta:
        verbose_name = "document"
        indexes = search_indexes("initiatives_document")
        permissions = [("publish_document", "Peut publier, dépublier et archiver")]
        ordering = ["sort_key"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("initiatives:document", args=[self.slug])

    def autocomplete_label(self):
        return label_with(self.title, self.get_kind_display(), self.publication_date)

    def get_download_url(self):
        return reverse("initiatives:document_file", args=[self.slug]) if self.file else ""


class SourceCitation(FieldConstraintErrors, models.Model):
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

    history = VersionHistory()

    class Meta:
        verbose_name = "source"
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            on_field(
                "document",
                models.CheckConstraint(
                    condition=Q(document__isnull=False) | ~Q(url=""),
                    name="initiatives_sourcecitation_document_or_url",
                    violation_error_message="Indiquez un document ou une adresse.",
                ),
            )
        ]

    def __str__(self):
        return str(self.document) if self.document_id else self.url
