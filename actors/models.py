import re
from urllib.parse import urlsplit

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.search import TrigramSimilarity
from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.urls import reverse
from simple_history.models import HistoricalRecords

from actors.identifiers import (
    CompactIdentifierField,
    siren_of,
    validate_rna,
    validate_siren_or_siret,
)
from initiatives.models import (
    Document,
    Event,
    Initiative,
    Publishable,
    PublishableQuerySet,
    SortKey,
    SourceCitation,
    Territory,
    label_with,
    not_before,
    search_indexes,
    search_vector_field,
    sort_key_field,
)
from initiatives.partial_dates import PartialDateField, format_period

# A shared host says nothing about who owns the page.
SHARED_HOSTS = {
    "facebook.com",
    "linkedin.com",
    "twitter.com",
    "x.com",
    "instagram.com",
    "youtube.com",
    "helloasso.com",
    "google.com",
    "sites.google.com",
}
SIMILAR_NAME = 0.5  # trigram similarity of the unaccented names


def web_domain(url):
    """ "https://www.cerdd.org/page" → "cerdd.org" ("" for no address or a shared host)."""
    url = (url or "").strip()
    if url and "://" not in url:
        url = f"https://{url}"
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    host = host.removeprefix("www.")
    return "" if host in SHARED_HOSTS else host


class OrganisationQuerySet(PublishableQuerySet):
    def likely_duplicates_of(self, name="", territory=None, website="", siren=""):
        """Organisations that may be the one described: the same SIREN (a SIRET counts by its
        SIREN), a similar unaccented name in the same territory, or the same web domain.

        Each is annotated with `same_siren`, `similar_name` and `same_domain` (booleans) and
        `name_similarity`; the closest first.
        """
        name = (name or "").strip()
        rules = {}
        legal_unit = siren_of(siren)
        if legal_unit:
            rules["same_siren"] = Q(siren__startswith=legal_unit)
        if name:
            place = Q(territory=territory) if territory is not None else Q(territory__isnull=True)
            rules["similar_name"] = place & Q(name_similarity__gte=SIMILAR_NAME)
        domain = web_domain(website)
        if domain:
            host = rf"^(https?://)?(www\.)?{re.escape(domain)}([:/?#]|$)"
            rules["same_domain"] = Q(website__iregex=host)
        if not rules:
            return self.none()
        similarity = TrigramSimilarity("sort_key", SortKey(Value(name))) if name else Value(0.0)
        flags = {
            key: models.ExpressionWrapper(rules[key], output_field=models.BooleanField())
            if key in rules
            else Value(False)
            for key in ("same_siren", "similar_name", "same_domain")
        }
        return (
            self.annotate(name_similarity=similarity)
            .annotate(**flags)
            .filter(Q(same_siren=True) | Q(similar_name=True) | Q(same_domain=True))
            .select_related("territory")
            .order_by("-same_siren", "-name_similarity", "sort_key")
        )


class Organisation(Publishable):
    class Kind(models.TextChoices):
        PUBLIC_BODY = "public_body", "Collectivité, organisme public"
        AGENCY = "agency", "Agence"
        CHAMBER = "chamber", "Chambre consulaire"
        ASSOCIATION = "association", "Association"
        NETWORK = "network", "Réseau"
        COMPANY = "company", "Entreprise"
        RESEARCH = "research", "Laboratoire, université"
        CONSULTANCY = "consultancy", "Bureau d'études, conseil"

    name = models.CharField("nom", max_length=300)
    slug = models.SlugField(unique=True, max_length=200)
    acronym = models.CharField("sigle", max_length=30, blank=True)
    kind = models.CharField("type", max_length=20, choices=Kind)
    description = models.TextField("présentation", blank=True)
    website = models.URLField("site web", max_length=500, blank=True)
    siren = CompactIdentifierField(
        "SIREN ou SIRET",
        max_length=14,
        blank=True,
        db_default="",  # raw SQL and COPY loaders may leave it out
        validators=[validate_siren_or_siret],
        help_text="9 chiffres (SIREN) ou 14 (SIRET), espaces permis.",
    )
    rna = CompactIdentifierField(
        "numéro RNA",
        max_length=10,
        blank=True,
        db_default="",  # raw SQL and COPY loaders may leave it out
        validators=[validate_rna],
        help_text="Pour une association : W suivi de 9 chiffres.",
    )
    territory = models.ForeignKey(
        Territory, verbose_name="territoire", null=True, blank=True, on_delete=models.PROTECT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="organisation de rattachement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    founded_on = PartialDateField("créée en", null=True, blank=True)
    is_defunct = models.BooleanField("n'existe plus", default=False)
    dissolved_on = PartialDateField("disparue en", null=True, blank=True)
    organised_events = models.ManyToManyField(
        Event, verbose_name="événements organisés", blank=True, related_name="organisers"
    )
    documents = models.ManyToManyField(
        Document,
        verbose_name="documents (auteur ou éditeur)",
        blank=True,
        related_name="authors_organisations",
    )
    sources = GenericRelation(SourceCitation)
    sort_key = sort_key_field("name")
    search_vector = search_vector_field(A=["name", "acronym"], B=["description"])

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["sort_key", "search_vector"], m2m_fields=[organised_events, documents]
    )

    class Meta:
        verbose_name = "organisation"
        indexes = search_indexes("actors_organisation")
        permissions = [("publish_organisation", "Peut publier, dépublier et archiver")]
        ordering = ["sort_key"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="actors_organisation_not_own_parent"
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(is_defunct=True),
                name="actors_organisation_dissolved_is_defunct",
            ),
            models.CheckConstraint(
                condition=not_before("dissolved_on", "founded_on"),
                name="actors_organisation_dissolved_after_founded",
            ),
            models.UniqueConstraint(
                fields=["siren"],
                condition=~Q(siren=""),
                name="actors_organisation_siren_unique",
                violation_error_code="unique",
                violation_error_message="Une autre organisation porte déjà ce SIREN ou SIRET.",
            ),
            models.UniqueConstraint(
                fields=["rna"],
                condition=~Q(rna=""),
                name="actors_organisation_rna_unique",
                violation_error_code="unique",
                violation_error_message="Une autre organisation porte déjà ce numéro RNA.",
            ),
        ]

    def __str__(self):
        return (
            f"{self.name} ({self.acronym})"
            if self.acronym and self.acronym != self.name
            else self.name
        )

    def get_absolute_url(self):
        return reverse("actors:organisation", args=[self.slug])

    autocomplete_select_related = ("parent", "territory")

    def autocomplete_label(self):
        """CERDD — association, Hauts-de-France: the kind, and the parent or the territory."""
        return label_with(self, self.get_kind_display(), self.parent or self.territory)


class OrganisationRedirect(models.Model):
    """The address of an organisation merged into another: it answers 301 to the kept one."""

    old_slug = models.SlugField("ancienne adresse", unique=True, max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation conservée",
        on_delete=models.CASCADE,
        related_name="former_addresses",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "ancienne adresse d’organisation"
        verbose_name_plural = "anciennes adresses d’organisations"

    def __str__(self):
        return f"{self.old_slug} → {self.organisation.slug}"


class Person(Publishable):
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    slug = models.SlugField(unique=True, max_length=200)
    biography = models.TextField("présentation", blank=True)
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    contact_consent = models.BooleanField(
        "consent à la publication de ses coordonnées",
        default=False,
        help_text="Sans consentement enregistré, les coordonnées ne sont jamais publiques.",
    )
    consent_recorded_on = models.DateField("consentement recueilli le", null=True, blank=True)
    sources = GenericRelation(SourceCitation)
    sort_key = sort_key_field("last_name")
    search_vector = search_vector_field(A=["first_name", "last_name"], B=["biography"])

    objects = PublishableQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["sort_key", "search_vector"])

    class Meta:
        verbose_name = "personne"
        indexes = search_indexes("actors_person")
        permissions = [("publish_person", "Peut publier, dépublier et archiver")]
        ordering = ["sort_key", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_consent=False) | Q(consent_recorded_on__isnull=False),
                name="actors_person_consent_is_dated",
            ),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("actors:person", args=[self.slug])

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    def public_contact(self):
        """Contact details the public may see: none without recorded consent."""
        if not self.contact_consent:
            return {}
        return {
            key: value for key, value in {"email": self.email, "phone": self.phone}.items() if value
        }


class AffiliationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(
            person__in=Person.objects.published(), organisation__in=Organisation.objects.published()
        )


class Affiliation(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="affiliations",
    )
    job_title = models.CharField("fonction", max_length=300)
    start = PartialDateField("début", null=True, blank=True)
    end = PartialDateField("fin", null=True, blank=True)
    note = models.CharField("précision", max_length=300, blank=True)

    objects = AffiliationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "affiliation"
        ordering = ["person", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=not_before("end", "start"), name="actors_affiliation_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.job_title}, {self.organisation.name}"

    @property
    def period(self):
        return format_period(self.start, self.end)


class InvolvementQuerySet(models.QuerySet):
    def published(self):
        """Involvements whose initiative and actor are both public."""
        return self.with_public_actor().filter(initiative__is_public=True)

    def with_public_actor(self):
        """Involvements of a published organisation or person, for use inside a query that
        already keeps to published initiatives (it spares re-checking them)."""
        # EXISTS probes the actor's primary key; an IN under the OR would read every actor.
        public_organisation = Organisation.objects.published().filter(pk=OuterRef("organisation"))
        public_person = Person.objects.published().filter(pk=OuterRef("person"))
        return self.filter(Exists(public_organisation) | Exists(public_person))


class Involvement(models.Model):
    class Role(models.TextChoices):
        PILOT = "pilot", "Pilote"
        CO_PILOT = "co_pilot", "Co-pilote"
        PARTNER = "partner", "Partenaire"
        FUNDER = "funder", "Financeur"
        CO_FACILITATOR = "co_facilitator", "Co-animateur"
        FOUNDER = "founder", "Membre fondateur"
        MEMBER = "member", "Membre"
        STAKEHOLDER = "stakeholder", "Partie prenante"
        SCIENTIFIC_COMMITTEE = "scientific_committee", "Comité scientifique"
        EXPERT = "expert", "Expert, conseil"
        AUTHOR = "author", "Auteur de la fiche"
        CONTACT = "contact", "Contact"

    initiative = models.ForeignKey(
        Initiative, verbose_name="initiative", on_delete=models.CASCADE, related_name="involvements"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="involvements",
    )
    person = models.ForeignKey(
        Person,
        verbose_name="personne",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="involvements",
    )
    role = models.CharField("rôle", max_length=24, choices=Role)
    start = PartialDateField("début", null=True, blank=True)
    end = PartialDateField("fin", null=True, blank=True)
    amount = models.DecimalField(
        "montant (€)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.CharField("précision", max_length=300, blank=True)

    objects = InvolvementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "implication"
        ordering = ["initiative", "role", "id"]
        indexes = [models.Index(fields=["role"], name="actors_involvement_role")]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, person__isnull=True)
                | Q(organisation__isnull=True, person__isnull=False),
                name="actors_involvement_exactly_one_actor",
            ),
            models.CheckConstraint(
                condition=not_before("end", "start"), name="actors_involvement_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="actors_involvement_amount_positive",
            ),
        ]

    def __str__(self):
        return f"{self.actor} — {self.get_role_display()} — {self.initiative}"

    @property
    def actor(self):
        return self.organisation or self.person

    @property
    def period(self):
        return format_period(self.start, self.end)


class FundingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(
            initiative__is_public=True,
            beneficiary__in=Organisation.objects.published(),
        )


class Funding(models.Model):
    """Support given (or being prepared) to a beneficiary within an initiative."""

    class Status(models.TextChoices):
        FUNDED = "funded", "Financé"
        ANNOUNCED = "announced", "Annoncé"
        IN_PREPARATION = "in_preparation", "Dossier en préparation"

    initiative = models.ForeignKey(
        Initiative, verbose_name="initiative", on_delete=models.CASCADE, related_name="fundings"
    )
    beneficiary = models.ForeignKey(
        Organisation, verbose_name="bénéficiaire", on_delete=models.PROTECT, related_name="fundings"
    )
    status = models.CharField("état", max_length=20, choices=Status)
    amount = models.DecimalField(
        "montant (€)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    date = PartialDateField("date", null=True, blank=True)
    note = models.CharField("précision", max_length=300, blank=True)

    objects = FundingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "financement"
        ordering = ["initiative", "status", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "beneficiary"], name="actors_funding_one_per_beneficiary"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="actors_funding_amount_positive",
            ),
        ]

    def __str__(self):
        return f"{self.beneficiary.name} — {self.get_status_display()}"
