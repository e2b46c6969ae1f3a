"""A person's personal data: erasure (« Anonymiser ») and access (« Exporter ses données »).

What must always hold is kept by PostgreSQL (actors migration 0014): a version of a person holds
their email and phone only while they consent, and forgets them when consent is withdrawn or
the person deleted. Erasure goes further, on request: names, biography, contact details and
sources go, in the person and in every version of them, in one transaction; the public record
of their roles stays under a neutral name if the Region so decides. An `Erasure` row says who
erased what and when, never the erased values.

The admin action and the management commands (in portal, which also writes the audit log line)
call `erase_person` and `personal_data` here, and nothing else.
"""

import uuid

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict

from actors.models import Affiliation, Involvement, Person
from initiatives.models import Proposal, SourceCitation

ERASED_FIRST_NAME = "Personne"
ERASED_LAST_NAME = "anonymisée"
ERASED_FIELDS = (
    "first_name",
    "last_name",
    "slug",
    "biography",
    "email",
    "phone",
    "contact_consent",
    "consent_recorded_on",
)
# What else an erasure removes, beside the person's own fields (named for people).
OTHER_LABELS = {
    "slug": "adresse de la fiche",
    "sources": "sources citées",
    "affiliations": "fonctions",
    "involvements": "implications",
    "proposals": "propositions de modification",
}
BLANK = {
    "first_name": ERASED_FIRST_NAME,
    "last_name": ERASED_LAST_NAME,
    "biography": "",
    "email": "",
    "phone": "",
    "contact_consent": False,
    "consent_recorded_on": None,
}


class Erasure(models.Model):
    """That a person's personal data was erased: by whom, when, which fields; never the values."""

    person_id = models.PositiveBigIntegerField("personne n°", db_index=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    erased_by_name = models.CharField("identifiant de l’agent", max_length=150)
    erased_at = models.DateTimeField("le", auto_now_add=True)
    fields = models.JSONField("champs effacés", default=list)
    roles_kept = models.BooleanField("rôles publics conservés sous un nom anonyme")

    class Meta:
        verbose_name = "anonymisation"
        ordering = ["-erased_at"]

    def __str__(self):
        return f"Personne n° {self.person_id}, anonymisée par {self.erased_by_name}"


def erased_labels(fields):
    """The French names of what an erasure removed, for the admin and the command."""
    return [
        OTHER_LABELS.get(name) or str(Person._meta.get_field(name).verbose_name) for name in fields
    ]


def new_slug():
    return f"personne-anonymisee-{uuid.uuid4().hex[:12]}"


def _of(model, person):
    return {"content_type": ContentType.objects.get_for_model(model), "object_id": person.pk}


@transaction.atomic
def erase_person(person, *, keep_roles, user=None, username=""):
    """Erase `person`'s personal data everywhere the registry holds it, history included; keep
    or drop their roles (involvements and affiliations). Returns the `Erasure` entry."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    erased = [
        name for name in ERASED_FIELDS if name == "slug" or getattr(person, name) != BLANK[name]
    ]
    values = {**BLANK, "slug": new_slug()}
    affiliations = list(Affiliation.objects.filter(person=person).select_related("organisation"))
    involvements = list(Involvement.objects.filter(person=person))
    # Every version of the person, then the person (updates: no new version keeps the old names).
    Person.history.filter(id=person.pk).update(**values, history_change_reason="")
    Person.objects.filter(pk=person.pk).update(**values)
    citations = SourceCitation.objects.filter(**_of(Person, person))
    citation_ids = [str(pk) for pk in citations.values_list("pk", flat=True)]
    citations.delete()  # then their versions, the deletion's included
    SourceCitation.history.filter(**_of(Person, person)).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(SourceCitation), object_id__in=citation_ids
    ).update(object_repr="Source supprimée")
    if keep_roles:
        erased_roles = []
    else:
        erased_roles = ["affiliations", "involvements"]
        Affiliation.objects.filter(person=person).delete()
        Involvement.objects.filter(person=person).delete()
        Affiliation.history.filter(person_id=person.pk).delete()
        Involvement.history.filter(person_id=person.pk).delete()
    Proposal.objects.of(person).delete()
    # The admin's journal names each record as it was: it names them as they are now.
    person.refresh_from_db()
    LogEntry.objects.filter(**_of(Person, person)).update(object_repr=str(person)[:200])
    for affiliation in affiliations:
        affiliation.person = person
        LogEntry.objects.filter(**_of(Affiliation, affiliation)).update(
            object_repr=str(affiliation)[:200]
        )
    for involvement in involvements:
        LogEntry.objects.filter(**_of(Involvement, involvement)).update(
            object_repr=f"Implication n° {involvement.pk}"
        )
    return Erasure.objects.create(
        person_id=person.pk,
        erased_by=user,
        erased_by_name=(user.get_username() if user else username)[:150],
        fields=erased + ["sources", *erased_roles, "proposals"],
        roles_kept=keep_roles,
    )


def _rows(queryset):
    return [model_to_dict(row) | {"id": row.pk} for row in queryset]


def personal_data(person):
    """Everything the registry holds about `person` (right of access), as JSON-ready data."""
    fields = [field.attname for field in Person._meta.concrete_fields]
    fields.remove("search_vector")
    history = Person.history.filter(id=person.pk).order_by("history_date", "history_id")
    return {
        "person": {name: getattr(person, name) for name in fields},
        "versions": list(history.values()),
        "affiliations": _rows(Affiliation.objects.filter(person=person)),
        "involvements": _rows(Involvement.objects.filter(person=person)),
        "sources": _rows(SourceCitation.objects.filter(**_of(Person, person))),
        "proposals": list(
            Proposal.objects.of(person).values(
                "id",
                "state",
                "comment",
                "data",
                "changes",
                "created_at",
                "decided_at",
                "decision_comment",
            )
        ),  # fmt: skip
        "erasures": list(
            Erasure.objects.filter(person_id=person.pk).values(
                "erased_at", "erased_by_name", "fields", "roles_kept"
            )
        ),
        "admin_log": list(
            LogEntry.objects.filter(**_of(Person, person))
            .order_by("action_time")
            .values("action_time", "action_flag", "object_repr", "change_message")
        ),
    }


class PersonalDataEncoder(DjangoJSONEncoder):
    """Partial dates and other values of our own fields as text."""

    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)
