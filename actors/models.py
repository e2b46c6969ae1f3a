from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from actors.identifiers import (
    CompactIdentifierField,
    OrganisationQuerySet,
    validate_rna,
    validate_siren_or_siret,
)
from initiatives.models import (
    ChoiceLabels,
    Document,
    Event,
    FieldConstraintErrors,
    Initiative,
    Publishable,
    PublishableQuerySet,
    SourceCitation,
    Territory,
    VersionHistory,
    label_with,
    not_before,
    on_field,
    search_indexes,
    search_vector_field,
    sort_key_field,
)
from initiatives.partial_dates import PartialDateField, format_period
from initiatives.typography import agree


class Organisation(Publishable):
    class Kind(models.TextChoices):
        PUBLIC_BODY = "public_body", _("Collectivité, organisme public")
        AGENCY = "agency", _("Agence")
        CHAMBER = "chamber", _("Chambre consulaire")
        ASSOCIATION = "association", _("Association")
        NETWORK = "network", _("Réseau")
        COMPANY = "company", _("Entreprise")
        RESEARCH = "research", _("Laboratoire, université")
        CONSULTANCY = "consultancy", _("Bureau d'études, conseil")

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
    history = VersionHistory(
        excluded_fields=["sort_key", "search_vector"], m2m_fields=[organised_events, documents]
    )

    class Meta:
        verbose_name = "organisation"
        indexes = [
            *search_indexes("actors_organisation"),
            # The API's list, read in this order from any cursor.
            models.Index(fields=["sort_key", "id"], name="actors_organisation_order"),
        ]
        permissions = [("publish_organisation", "Peut publier, dépublier et archiver")]
        ordering = ["sort_key"]
        constraints = [
            on_field(
                "parent",
                models.CheckConstraint(
                    condition=~Q(parent=models.F("pk")),
                    name="actors_organisation_not_own_parent",
                    violation_error_message=(
                        "Une organisation ne peut pas être rangée sous elle-même."
                    ),
                ),
            ),
            on_field(
                "is_defunct",
                models.CheckConstraint(
                    condition=Q(dissolved_on__isnull=True) | Q(is_defunct=True),
                    name="actors_organisation_dissolved_is_defunct",
                    violation_error_message=(
                        "Une organisation dissoute n’existe plus : cochez cette case ou effacez "
                        "la date de dissolution."
                    ),
                ),
            ),
            on_field(
                "dissolved_on",
                models.CheckConstraint(
                    condition=not_before("dissolved_on", "founded_on"),
                    name="actors_organisation_dissolved_after_founded",
                    violation_error_message="La dissolution ne peut pas précéder la création.",
                ),
            ),
            on_field(
                "siren",
                models.UniqueConstraint(
                    fields=["siren"],
                    condition=~Q(siren=""),
                    name="actors_organisation_siren_unique",
                    violation_error_code="unique",
                    violation_error_message="Une autre organisation porte déjà ce SIREN ou SIRET.",
                ),
            ),
            on_field(
                "rna",
                models.UniqueConstraint(
                    fields=["rna"],
                    condition=~Q(rna=""),
                    name="actors_organisation_rna_unique",
                    violation_error_code="unique",
                    violation_error_message="Une autre organisation porte déjà ce numéro RNA.",
                ),
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
    history = VersionHistory(excluded_fields=["sort_key", "search_vector"])

    class Meta:
        verbose_name = "personne"
        indexes = [
            *search_indexes("actors_person"),
            models.Index(fields=["sort_key", "first_name", "id"], name="actors_person_order"),
        ]
        permissions = [
            ("publish_person", "Peut publier, dépublier et archiver"),
            ("erase_person", "Peut anonymiser une personne et exporter ses données"),
        ]
        ordering = ["sort_key", "first_name"]
        constraints = [
            on_field(
                "consent_recorded_on",
                models.CheckConstraint(
                    condition=Q(contact_consent=False) | Q(consent_recorded_on__isnull=False),
                    name="actors_person_consent_is_dated",
                    violation_error_message=(
                        "Indiquez la date à laquelle le consentement a été recueilli."
                    ),
                ),
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


class Affiliation(ChoiceLabels, FieldConstraintErrors, models.Model):
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
    history = VersionHistory()

    class Meta:
        verbose_name = "affiliation"
        ordering = ["person", "start", "id"]
        constraints = [
            on_field(
                "end",
                models.CheckConstraint(
                    condition=not_before("end", "start"),
                    name="actors_affiliation_end_after_start",
                    violation_error_message="La fin ne peut pas précéder le début.",
                ),
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


class Involvement(ChoiceLabels, FieldConstraintErrors, models.Model):
    class Role(models.TextChoices):
        PILOT = "pilot", _("Pilote")
        CO_PILOT = "co_pilot", _("Co-pilote")
        PARTNER = "partner", _("Partenaire")
        FUNDER = "funder", _("Financeur")
        CO_FACILITATOR = "co_facilitator", _("Co-animateur")
        FOUNDER = "founder", _("Membre fondateur")
        MEMBER = "member", _("Membre")
        STAKEHOLDER = "stakeholder", _("Partie prenante")
        SCIENTIFIC_COMMITTEE = "scientific_committee", _("Comité scientifique")
        EXPERT = "expert", _("Expert, conseil")
        AUTHOR = "author", _("Auteur de la fiche")
        CONTACT = "contact", _("Contact")

    # Each role's name for several actors: French agrees every word of "Membre fondateur",
    # never only the last one ("Membres fondateurs", "Comités scientifiques").
    ROLE_PLURALS = {
        Role.PILOT: "Pilotes",
        Role.CO_PILOT: "Co-pilotes",
        Role.PARTNER: "Partenaires",
        Role.FUNDER: "Financeurs",
        Role.CO_FACILITATOR: "Co-animateurs",
        Role.FOUNDER: "Membres fondateurs",
        Role.MEMBER: "Membres",
        Role.STAKEHOLDER: "Parties prenantes",
        Role.SCIENTIFIC_COMMITTEE: "Comités scientifiques",
        Role.EXPERT: "Experts, conseils",
        Role.AUTHOR: "Auteurs de la fiche",
        Role.CONTACT: "Contacts",
    }

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
    history = VersionHistory()

    class Meta:
        verbose_name = "implication"
        ordering = ["initiative", "role", "id"]
        indexes = [
            models.Index(fields=["role"], name="actors_involvement_role"),
            # An organisation's latest initiatives read backwards from here, without sorting all
            # of them (its network reads only the latest few hundred).
            models.Index(fields=["organisation", "initiative"], name="actors_involvement_org_ini"),
        ]
        constraints = [
            on_field(
                "organisation",
                models.CheckConstraint(
                    condition=Q(organisation__isnull=False, person__isnull=True)
                    | Q(organisation__isnull=True, person__isnull=False),
                    name="actors_involvement_exactly_one_actor",
                    violation_error_message=(
                        "Indiquez soit une organisation, soit une personne (une seule des deux)."
                    ),
                ),
            ),
            on_field(
                "end",
                models.CheckConstraint(
                    condition=not_before("end", "start"),
                    name="actors_involvement_end_after_start",
                    violation_error_message="La fin ne peut pas précéder le début.",
                ),
            ),
            on_field(
                "amount",
                models.CheckConstraint(
                    condition=Q(amount__isnull=True) | Q(amount__gte=0),
                    name="actors_involvement_amount_positive",
                    violation_error_message="Le montant ne peut pas être négatif.",
                ),
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

    def role_label(self, count=1):
        """The role's name agreed with the number of actors holding it: "Membre fondateur",
        "Membres fondateurs"."""
        return agree(count, self.get_role_display(), self.ROLE_PLURALS[self.role])


class FundingQuerySet(models.QuerySet):
    def published(self):
        return self.with_public_beneficiary().filter(initiative__is_public=True)

    def with_public_beneficiary(self):
        """Fundings of a published organisation, whatever their initiative's state (previews)."""
        return self.filter(beneficiary__in=Organisation.objects.published())


class Funding(FieldConstraintErrors, models.Model):
    """Support given (or being prepared) to a beneficiary within an initiative."""

    class Status(models.TextChoices):
        FUNDED = "funded", _("Financé")
        ANNOUNCED = "announced", _("Annoncé")
        IN_PREPARATION = "in_preparation", _("Dossier en préparation")

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
    history = VersionHistory()

    class Meta:
        verbose_name = "financement"
        ordering = ["initiative", "status", "id"]
        constraints = [
            on_field(
                "beneficiary",
                models.UniqueConstraint(
                    fields=["initiative", "beneficiary"],
                    name="actors_funding_one_per_beneficiary",
                    violation_error_message=(
                        "Ce bénéficiaire a déjà un financement pour cette initiative."
                    ),
                ),
            ),
            on_field(
                "amount",
                models.CheckConstraint(
                    condition=Q(amount__isnull=True) | Q(amount__gte=0),
                    name="actors_funding_amount_positive",
                    violation_error_message="Le montant ne peut pas être négatif.",
                ),
            ),
        ]

    def __str__(self):
        return f"{self.beneficiary.name} — {self.get_status_display()}"


# The erasure log lives beside the erasure it records (actors.privacy), registered with the app.
from actors.privacy import Erasure  # noqa: E402, F401
