"""Reference vocabularies: territories, themes, métiers (activity types), keywords."""

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltrans.fields import TranslationField

from initiatives import typography
from initiatives.models.fields import (
    FieldConstraintErrors,
    label_with,
    not_before,
    on_field,
    sort_key_field,
)
from initiatives.models.trees import (
    AnyOf,
    TerritoryQuerySet,
    TreeNode,
    TreeQuerySet,
    tree_constraints,
)
from initiatives.models.versions import VersionHistory
from initiatives.partial_dates import PartialDateField, format_period
from initiatives.translations import translated_from_field


class Territory(TreeNode):
    class Kind(models.TextChoices):
        COUNTRY = "country", _("Pays (État)")
        REGION = "region", _("Région")
        FORMER_REGION = "former_region", _("Ancienne région")
        DEPARTMENT = "department", _("Département")
        INTERCOMMUNALITY = "intercommunality", _("Intercommunalité")
        PAYS = "pays", _("Pays")
        BASIN = "basin", _("Bassin")
        METROPOLITAN_AREA = "metropolitan_area", _("Aire métropolitaine")
        COMMUNE = "commune", _("Commune")
        PLACE = "place", _("Lieu")

    class Gender(models.TextChoices):
        MASCULINE = typography.MASCULINE, "masculin"
        FEMININE = typography.FEMININE, "féminin"
        MASCULINE_PLURAL = typography.MASCULINE_PLURAL, "masculin pluriel"
        FEMININE_PLURAL = typography.FEMININE_PLURAL, "féminin pluriel"

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(unique=True, max_length=200)
    kind = models.CharField("type", max_length=20, choices=Kind)
    gender = models.CharField(
        "genre du nom",
        max_length=2,
        choices=Gender,
        default=Gender.MASCULINE,
        db_default=Gender.MASCULINE,  # rows written by COPY (the bench loader) take it too
        help_text=(
            "Pour accorder les mots qui s’y rapportent : la Picardie est « fusionnée », "
            "les Hauts-de-France sont « issus » de deux régions."
        ),
    )
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
    history = VersionHistory(excluded_fields=["lineage", "sort_key"], m2m_fields=[successors])

    class Meta:
        verbose_name = "territoire"
        ordering = ["sort_key"]
        indexes = [
            GinIndex(fields=["lineage"], name="initiatives_territory_lineage"),
            # The API's list, read in this order from any cursor.
            models.Index(fields=["sort_key", "id"], name="initiatives_territory_order"),
        ]
        constraints = [
            *tree_constraints("territory"),
            on_field(
                "valid_until",
                models.CheckConstraint(
                    condition=not_before("valid_until", "valid_from"),
                    name="initiatives_territory_validity_order",
                    violation_error_message="La fin de validité ne peut pas précéder son début.",
                ),
            ),
            on_field(
                "latitude",
                models.CheckConstraint(
                    condition=Q(latitude__isnull=True, longitude__isnull=True)
                    | Q(latitude__range=(-90, 90), longitude__range=(-180, 180)),
                    name="initiatives_territory_coordinates",
                    violation_error_message=(
                        "Indiquez la latitude (entre -90 et 90) et la longitude (entre -180 et "
                        "180) ensemble, ou aucune des deux."
                    ),
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def merged_into_label(self):
        """ "Fusionnée dans :" for Picardie: the participle agreed with the territory's name."""
        return {
            self.Gender.FEMININE: _("Fusionnée dans :"),
            self.Gender.MASCULINE_PLURAL: _("Fusionnés dans :"),
            self.Gender.FEMININE_PLURAL: _("Fusionnées dans :"),
        }.get(self.gender, _("Fusionné dans :"))

    @property
    def issued_from_label(self):
        """ "Issus de :" for the Hauts-de-France, agreed as `merged_into_label` is."""
        return {
            self.Gender.FEMININE: _("Issue de :"),
            self.Gender.MASCULINE_PLURAL: _("Issus de :"),
            self.Gender.FEMININE_PLURAL: _("Issues de :"),
        }.get(self.gender, _("Issu de :"))

    def get_absolute_url(self):
        return reverse("initiatives:territory", args=[self.slug])

    # The kinds whose outline the boundaries hold, found by their official code.
    OUTLINED_KINDS = (
        Kind.REGION,
        Kind.FORMER_REGION,
        Kind.DEPARTMENT,
        Kind.INTERCOMMUNALITY,
        Kind.COMMUNE,
    )

    @classmethod
    def outlined_ancestor(cls, path=""):
        """The nearest ancestor of an outlined kind with a code, as {kind, code, name} (or
        None): what a locator shows for a basin, a pays or a place, which have no outline. A
        subquery of the row's own query (`path` leads from that row to the territory, e.g.
        "territory__"): no query of its own, whatever the depth of the tree."""
        lineage = OuterRef(f"{path}lineage")
        return Subquery(
            cls.objects.filter(AnyOf(F("pk"), lineage), kind__in=cls.OUTLINED_KINDS)
            .exclude(pk=OuterRef(f"{path}pk"))
            .exclude(code="")
            .annotate(depth=Func(lineage, F("pk"), function="array_position"))
            .order_by("-depth")
            .values(located=JSONObject(kind="kind", code="code", name="name"))[:1]
        )

    autocomplete_select_related = ("parent",)

    def autocomplete_label(self):
        return label_with(self.name, self.get_kind_display(), self.parent)

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
    i18n = TranslationField(fields=("name", "description"))
    translated_from = translated_from_field()

    objects = TreeQuerySet.as_manager()
    history = VersionHistory(
        excluded_fields=[
            "lineage",
            "sort_key",
            "translated_from",
        ]
    )

    class Meta:
        verbose_name = "thématique"
        ordering = ["sort_key"]
        indexes = [GinIndex(fields=["lineage"], name="initiatives_theme_lineage")]
        constraints = tree_constraints("theme")

    def __str__(self):
        return self.name_i18n

    def get_absolute_url(self):
        return reverse("initiatives:theme", args=[self.slug])

    autocomplete_select_related = ("parent",)

    def autocomplete_label(self):
        return label_with(self.name, "thématique", self.parent)


class ActivityType(models.Model):
    """A "métier": the kind of work done, e.g. "Mise en réseau d'acteurs"."""

    name = models.CharField("nom", max_length=200, unique=True)
    slug = models.SlugField(unique=True, max_length=200)
    sort_key = sort_key_field("name")
    i18n = TranslationField(fields=("name",))
    translated_from = translated_from_field()

    class Meta:
        verbose_name = "métier"
        ordering = ["sort_key"]

    def __str__(self):
        return self.name_i18n


class Keyword(models.Model):
    """A thesaurus term; `label` is the French one, other languages in KeywordLabel."""

    label = models.CharField("libellé (français)", max_length=200, unique=True)
    slug = models.SlugField(unique=True, max_length=200)
    sort_key = sort_key_field("label")

    class Meta:
        verbose_name = "mot-clé"
        verbose_name_plural = "mots-clés"
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
    FRENCH = "fr", _("français")
    ENGLISH = "en", _("anglais")
    PORTUGUESE = "pt", _("portugais")
    GERMAN = "de", _("allemand")
    DUTCH = "nl", _("néerlandais")
    SPANISH = "es", _("espagnol")


class KeywordLabel(FieldConstraintErrors, models.Model):
    keyword = models.ForeignKey(Keyword, on_delete=models.CASCADE, related_name="labels")
    language = models.CharField("langue", max_length=5, choices=Language)
    label = models.CharField("libellé", max_length=200)

    class Meta:
        verbose_name = "libellé traduit"
        verbose_name_plural = "libellés traduits"
        constraints = [
            on_field(
                "language",
                models.UniqueConstraint(
                    fields=["keyword", "language"],
                    name="initiatives_keywordlabel_one_per_language",
                    violation_error_message="Ce mot-clé a déjà un libellé dans cette langue.",
                ),
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.language})"
