"""The admin home as staff start their day: my drafts, the review queue, changes requested to
me, overdue verifications, what others changed lately, and counts by state.

A fixed number of queries whatever the size of the registry: a few per publishable model, one
for the recent changes of every record and part together, one per kind of record they name,
one for every person named.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, IntegerField, Q, Value, Window
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone

from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from initiatives import followup
from initiatives.history import ACTIONS, user_name
from initiatives.models import (
    Document,
    Event,
    Initiative,
    KeyFigure,
    Milestone,
    PublicationState,
    SourceCitation,
    publish_permission,
)

PUBLISHABLE = (Initiative, Document, Organisation, Person)
# The column that names each publishable record in its own history table.
TITLES = {
    Initiative: F("title"),
    Document: F("title"),
    Organisation: F("name"),
    Person: Concat("first_name", Value(" "), "last_name", output_field=CharField()),
}
# Parts of a record: the record they belong to, the field that leads there, what names them.
PARTS = (
    (Milestone, Initiative, "initiative_id", "title"),
    (Event, Initiative, "initiative_id", "title"),
    (KeyFigure, Initiative, "initiative_id", "label"),
    (Involvement, Initiative, "initiative_id", None),
    (Funding, Initiative, "initiative_id", None),
    (Affiliation, Person, "person_id", "job_title"),
    (SourceCitation, None, "object_id", "url"),
)
LIMIT = 8  # records a list shows; "voir tout" leads to the rest
RECENT = 10
FETCHED = 3 * RECENT  # repeated saves of one record are shown once: read more to show RECENT
RECENT_DAYS = 7
ROW = ("row_at", "row_user", "row_action", "row_model", "row_text", "row_whole", "row_type")


def count_of(number, model):
    """ "1 initiative", "3 initiatives", "0 personne": French keeps 0 and 1 singular."""
    opts = model._meta
    return f"{number} {opts.verbose_name if number < 2 else opts.verbose_name_plural}"


def admin_url(model, view, *args, query=None):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


@dataclass
class Entry:
    title: str
    url: str | None
    model: type
    at: datetime.datetime | None = None
    who_id: int | None = None
    who: str = ""
    comment: str = ""
    due: datetime.date | None = None
    mine: bool = False
    action: str = ""  # recent changes: Création, Modification, Suppression
    part: str = ""  # recent changes: which part of the record, if not the record itself

    @property
    def kind(self):
        return self.model._meta.verbose_name


@dataclass
class Section:
    key: str
    title: str
    empty: str
    entries: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)  # model -> (count, changelist url)
    extra: str = ""  # a note after the total ("dont 3 sous votre responsabilité")

    @property
    def total(self):
        return sum(count for count, _ in self.totals.values())

    @property
    def more(self):
        """ "Voir tout" links, one per kind of record the list holds."""
        return [
            (count_of(count, model), url) for model, (count, url) in self.totals.items() if count
        ]

    def take(self, model, queryset, entry, query):
        """The first records of `queryset` and, in the same query, how many there are."""
        rows = list(queryset.annotate(total=Window(Count("pk")))[:LIMIT])
        self.totals[model] = (
            rows[0].total if rows else 0,
            admin_url(model, "changelist", query=query),
        )
        self.entries.extend(entry(record) for record in rows)
        return rows

    def keep(self, key, reverse=False):
        self.entries.sort(key=key, reverse=reverse)
        del self.entries[LIMIT:]


def record_entry(record, **details):
    model = type(record)
    return Entry(str(record), admin_url(model, "change", record.pk), model, **details)


@dataclass
class StateCount:
    state: PublicationState
    count: int
    url: str


class Dashboard:
    states = PublicationState.labels

    def __init__(self, user, today=None):
        self.user = user
        self.today = today or timezone.localdate()
        self.models = [
            model
            for model in PUBLISHABLE
            if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        ]
        self.reviews = {model: user.has_perm(publish_permission(model)) for model in self.models}
        self.sections = [
            self.my_drafts(),
            self.review_queue(),
            self.changes_requested(),
            self.overdue(),
        ]
        self.recent = self.recent_changes()
        self.recent_links = [
            (
                model._meta.verbose_name_plural,
                admin_url(model, "changelist", query={"updated_at__gte": self.recent_since()}),
            )
            for model in self.models
        ]
        self.counts = self.counts_by_state()
        self.name_people([*self.recent, *(e for s in self.sections for e in s.entries)])

    def my_drafts(self):
        section = Section(
            "drafts",
            "Mes brouillons",
            "Aucun brouillon créé ou modifié en dernier par vous.",
        )
        for model in self.models:
            drafts = model.objects.filter(publication_state=PublicationState.DRAFT)
            section.take(
                model,
                followup.touched_by(drafts, self.user).order_by("-updated_at", "-pk"),
                lambda record: record_entry(record, at=record.updated_at),
                {"publication_state__exact": PublicationState.DRAFT, "suivi": "mine"},
            )
        section.keep(key=lambda entry: entry.at, reverse=True)
        return section

    def review_queue(self):
        reviewer = any(self.reviews.values())
        section = Section(
            "review",
            "À relire" if reviewer else "Mes fiches en relecture",
            "Aucune fiche en attente de relecture."
            if reviewer
            else "Aucune fiche soumise par vous en attente de relecture.",
        )
        for model in self.models:
            if self.reviews[model]:
                queue = followup.awaiting_review(model.objects.all())
                query = {"publication_state__exact": PublicationState.REVIEW}
            else:
                queue = followup.submitted_by(model.objects.all(), self.user)
                query = {"suivi": "submitted"}
            section.take(
                model,
                queue.order_by("submitted_at", "pk"),
                lambda record: record_entry(
                    record,
                    at=record.submitted_at,
                    who_id=record.submitted_by_id,
                    comment=record.submission_comment,
                ),
                query,
            )
        section.keep(key=lambda entry: entry.at)  # the longest waiting first
        return section

    def changes_requested(self):
        section = Section(
            "requested",
            "Modifications demandées",
            "Aucune modification ne vous est demandée.",
        )
        for model in self.models:
            requested = followup.changes_requested_to(model.objects.all(), self.user)
            section.take(
                model,
                requested.order_by("-request_at", "-pk"),
                lambda record: record_entry(
                    record,
                    at=record.request_at,
                    who_id=record.request_by_id,
                    comment=record.request_comment,
                ),
                {"suivi": "requested"},
            )
        section.keep(key=lambda entry: entry.at, reverse=True)
        return section

    def overdue(self):
        section = Section(
            "overdue",
            "Vérification en retard",
            "Aucune fiche en retard de vérification.",
        )
        mine = 0
        for model in self.models:
            overdue = followup.with_responsibility_of(
                model.objects.verification_overdue(self.today), self.user
            ).annotate(mine_total=Window(Count("pk", filter=Q(mine=True))))
            rows = section.take(
                model,
                overdue.order_by("-mine", "verification_due", "pk"),
                lambda record: record_entry(record, due=record.verification_due, mine=record.mine),
                {"verification": "overdue"},
            )
            mine += rows[0].mine_total if rows else 0
        section.keep(key=lambda entry: (not entry.mine, entry.due))  # mine first, then the oldest
        if mine:
            section.extra = f"dont {mine} sous votre responsabilité"
        return section

    def counts_by_state(self):
        """[(kind of record, [StateCount…])], one query per model."""
        counts = []
        for model in self.models:
            found = model.objects.aggregate(
                **{
                    state.value: Count("pk", filter=Q(publication_state=state))
                    for state in PublicationState
                }
            )
            states = [
                StateCount(
                    state,
                    found[state.value],
                    admin_url(model, "changelist", query={"publication_state__exact": state}),
                )
                for state in PublicationState
            ]
            counts.append((model._meta.verbose_name_plural, states))
        return counts

    def recent_since(self):
        start = timezone.localtime() - datetime.timedelta(days=RECENT_DAYS)
        return start.replace(hour=0, minute=0, second=0, microsecond=0).isoformat(sep=" ")

    def recent_changes(self):
        """The last changes others made to records and their parts, from every history table
        in one query."""
        if not self.models:
            return []
        types = ContentType.objects.get_for_models(*self.models)
        branches = []
        for model in self.models:
            branches.append(self.history_rows(model, TITLES[model], F("id"), types[model].pk))
        for part, whole, link, name in PARTS:
            if whole is not None and whole not in self.models:
                continue
            text = F(name) if name else Value("", output_field=CharField())
            if whole is None:  # sources say themselves what they are about
                about = {"content_type__in": [t.pk for t in types.values()]}
                branches.append(self.history_rows(part, text, F(link), None, **about))
            else:  # a key figure may be about a territory alone: no record to show
                where = {f"{link}__isnull": False}
                branches.append(self.history_rows(part, text, F(link), types[whole].pk, **where))
        latest = branches[0].union(*branches[1:], all=True).order_by("-row_at")[:FETCHED]
        rows, seen = [], set()
        for row in latest:
            # A save repeated by the same hand (an import, a form saved twice) is said once.
            key = row[1:]
            if key not in seen and len(rows) < RECENT:
                seen.add(key)
                rows.append(dict(zip(ROW, row, strict=True)))
        return self.describe(rows, {t.pk: model for model, t in types.items()})

    def history_rows(self, model, text, whole, whole_type, **where):
        """The latest changes of `model` by others, as rows of the same shape for every model."""
        kind = f"{model._meta.app_label}.{model._meta.model_name}"
        row_type = (
            Value(whole_type, output_field=IntegerField()) if whole_type else F("content_type_id")
        )
        return (
            model.history.model.objects.filter(**where)
            .exclude(history_user=self.user)
            .order_by("-history_date", "-history_id")
            .annotate(
                row_at=F("history_date"),
                row_user=F("history_user_id"),
                row_action=F("history_type"),
                row_model=Value(kind, output_field=CharField()),
                row_text=text,
                row_whole=whole,
                row_type=row_type,
            )
            .values_list(*ROW)[:FETCHED]
        )

    def describe(self, rows, models_by_type):
        parts = {f"{m._meta.app_label}.{m._meta.model_name}": m for m, *_ in PARTS}
        # Parts name their record by its id: one query per kind of record for all of them.
        wanted = {}
        for row in rows:
            if row["row_model"] in parts:
                wanted.setdefault(models_by_type[row["row_type"]], set()).add(row["row_whole"])
        names = {
            (model, record.pk): str(record)
            for model, ids in wanted.items()
            for record in model.objects.filter(pk__in=ids)
        }
        entries = []
        for row in rows:
            model = models_by_type[row["row_type"]]
            part = parts.get(row["row_model"])
            if part is None:
                title, exists = row["row_text"], row["row_action"] != "-"
                detail = ""
            else:
                title = names.get((model, row["row_whole"]))
                exists = title is not None
                detail = part._meta.verbose_name
                if row["row_text"]:
                    detail += f" « {row['row_text']} »"
            entries.append(
                Entry(
                    title or f"n° {row['row_whole']} (supprimé)",
                    admin_url(model, "change", row["row_whole"]) if exists else None,
                    model,
                    at=row["row_at"],
                    who_id=row["row_user"],
                    action=ACTIONS.get(row["row_action"], ""),
                    part=detail,
                )
            )
        return entries

    def name_people(self, entries):
        wanted = {entry.who_id for entry in entries if entry.who_id}
        people = get_user_model().objects.in_bulk(wanted) if wanted else {}
        for entry in entries:
            entry.who = user_name(people.get(entry.who_id))
