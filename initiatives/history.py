"""The history as staff read it: one French timeline of a record and its parts, with labels."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import admin
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator
from simple_history.utils import get_m2m_reverse_field_name

from initiatives.numbers import french_number
from initiatives.typography import french_date, french_datetime

EMPTY = "—"
ACTIONS = {"+": "Création", "~": "Modification", "-": "Suppression"}
# Computed or kept by the database, or where a source is attached: not what a person changed.
NOT_SHOWN = {
    *("id", "updated_at", "created_at", "lineage", "sort_key", "search_vector"),
    "plain_text",
    *("content_type", "object_id"),
}


def when(moment):
    return french_datetime(moment)


def user_name(user):
    if user is None:
        return "quelqu’un (import ou script)"
    return user.get_full_name() or user.get_username()


def display_value(model_field, value):
    """A value as people read it: choice labels, names, French dates and numbers, "—"."""
    if value is None or value == "" or value == [] or value == ():
        return EMPTY
    if getattr(model_field, "choices", None) and not model_field.is_relation:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        return when(value)
    if isinstance(value, datetime.date):
        return french_date(value)
    if isinstance(value, Decimal | float | int) and not model_field.is_relation:
        return french_number(value)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return ", ".join(str(item) for item in value) or EMPTY
    if isinstance(model_field, models.FileField):
        return str(value.name if hasattr(value, "name") else value) or EMPTY
    return Truncator(str(value)).words(40, truncate=" …")


def shown_fields(model):
    """Fields of `model` a person edits (history keeps them), in the form's order."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in NOT_SHOWN and not f.auto_created and f.editable
    ]


class Names:
    """Names of related rows, fetched once per model for a whole page of history."""

    def __init__(self):
        self.wanted = defaultdict(set)
        self.names = {}

    def want(self, model, pk):
        if pk is not None:
            self.wanted[model].add(pk)

    def fetch(self):
        for model, pks in self.wanted.items():
            missing = pks - {pk for (m, pk) in self.names if m is model}
            for obj in model._default_manager.filter(pk__in=missing):
                self.names[model, obj.pk] = str(obj)
        self.wanted.clear()

    def __call__(self, model, pk):
        if pk is None:
            return None
        return self.names.get((model, pk), f"n° {pk} (supprimé)")


@dataclass
class Version:
    """One historical record, with what it holds in its links and how to show it."""

    record: object
    model: type
    links: dict = field(default_factory=dict)  # m2m field name -> sorted ids


def m2m_fields(model):
    history_model = model.history.model
    return list(getattr(history_model, "_history_m2m_fields", []))


def load_links(model, records):
    """{history_id: {field: [ids]}} for the m2m fields the history of `model` keeps."""
    links = {record.history_id: {} for record in records}
    for m2m in m2m_fields(model):
        for record in records:
            links[record.history_id][m2m.name] = []
        rows = getattr(model.history.model, m2m.name).model.objects.filter(
            history_id__in=list(links)
        )
        target = get_m2m_reverse_field_name(m2m) + "_id"
        for history_id, pk in rows.order_by(target).values_list("history_id", target):
            links[history_id][m2m.name].append(pk)
    return links


def version_links(record):
    """The m2m links a version held, as initial values for a revert form."""
    model = record.instance_type
    return load_links(model, [record])[record.history_id]


@dataclass
class Entry:
    date: datetime.datetime
    user: str
    action: str
    subject: str
    changes: list  # (label, before, after)
    revert_url: str = ""
    own: bool = True
    reason: str = ""  # the review workflow's step and comment ("Soumis à la relecture : …")


@dataclass
class Part:
    """A kind of part whose history joins its whole's timeline."""

    model: type
    lookup: object  # callable(whole) -> dict of filters on the history table
    describe: object = None  # callable(record, names) -> its name in the timeline

    def records(self, whole):
        return self.model.history.filter(**self.lookup(whole)).select_related("history_user")

    def subject(self, record, names):
        label = str(self.model._meta.verbose_name).capitalize()
        if self.describe is not None:
            name = self.describe(record, names)
        else:
            name = next(
                (
                    getattr(record, a)
                    for a in ("title", "label", "name", "url")
                    if hasattr(record, a)
                ),
                f"n° {record.id}",
            )
        return f"{label} « {Truncator(name).chars(80)} »"


def _changes(model, before, after, names):
    changes = []
    for f in shown_fields(model):
        old = getattr(before, f.attname) if before is not None else None
        new = getattr(after.record, f.attname)
        if before is not None and old == new:
            continue
        if before is None and (new is None or new == ""):
            continue
        if f.is_relation:
            related = f.related_model
            old, new = names(related, old), names(related, new)
        changes.append((str(f.verbose_name), display_value(f, old), display_value(f, new)))
    for m2m in m2m_fields(model):
        before_links = before._links.get(m2m.name, []) if before is not None else []
        new_links = after.links.get(m2m.name, [])
        if before_links == new_links:
            continue
        related = m2m.related_model
        old = [names(related, pk) for pk in before_links]
        new = [names(related, pk) for pk in new_links]
        changes.append((str(m2m.verbose_name), display_value(m2m, old), display_value(m2m, new)))
    return changes


def _revert_url(model, record, exists):
    if not exists or record.history_type == "-" or model not in admin.site._registry:
        return ""
    opts = model._meta
    try:
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_simple_history",
            args=[record.id, record.history_id],
        )
    except NoReverseMatch:
        return ""


def timeline(whole, parts=()):
    """Every version of `whole` and of its parts, newest first, each with its changes."""
    names = Names()
    groups = []  # (model, records oldest first, part or None for the whole itself)
    own = list(whole.history.select_related("history_user").order_by("history_date", "history_id"))
    groups.append((type(whole), own, None))
    for part in parts:
        records = list(part.records(whole).order_by("history_date", "history_id"))
        groups.append((part.model, records, part))

    for model, records, _ in groups:
        links = load_links(model, records) if m2m_fields(model) else {}
        for record in records:
            record._links = links.get(record.history_id, {})
            for f in shown_fields(model):
                if f.is_relation:
                    names.want(f.related_model, getattr(record, f.attname))
            for m2m in m2m_fields(model):
                for pk in record._links.get(m2m.name, []):
                    names.want(m2m.related_model, pk)
    existing = {}
    for model, records, _ in groups:
        ids = {record.id for record in records}
        existing[model] = set(
            model._default_manager.filter(pk__in=ids).values_list("pk", flat=True)
        )
    names.fetch()

    entries = []
    for model, records, part in groups:
        previous = {}
        for record in records:
            before = previous.get(record.id)
            version = Version(record, model, record._links)
            changes = _changes(model, before, version, names)
            previous[record.id] = record
            reason = (record.history_change_reason or "") if part is None else ""
            if record.history_type == "~" and not changes and not reason:
                continue  # a save that changed nothing, or a link snapshot already shown
            if record.history_type == "-":
                changes = []
            subject = "Cette fiche" if part is None else part.subject(record, names)
            entries.append(
                Entry(
                    date=record.history_date,
                    user=user_name(record.history_user),
                    action=ACTIONS.get(record.history_type, record.history_type),
                    subject=subject,
                    changes=changes,
                    revert_url=_revert_url(model, record, record.id in existing[model]),
                    own=part is None,
                    reason=reason,
                )
            )
    entries.sort(key=lambda entry: entry.date, reverse=True)
    return entries


def last_change_of(obj, field_names):
    """{field name: (user, date)} of the latest version that changed each field."""
    model = type(obj)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
    )
    m2m = {f.name for f in m2m_fields(model)}
    links = load_links(model, records) if m2m & set(field_names) else {}
    found = {}
    for newer, older in zip(records, [*records[1:], None], strict=True):
        for name in field_names:
            if name in found:
                continue
            if older is None:
                changed = True
            elif name in m2m:
                changed = links[newer.history_id].get(name) != links[older.history_id].get(name)
            else:
                attname = model._meta.get_field(name).attname
                changed = getattr(newer, attname) != getattr(older, attname)
            if changed:
                found[name] = (user_name(newer.history_user), newer.history_date)
    return found


def record_initial_versions(reason="Chargement des données"):
    """A creation version ("+", shown as « Création ») for every record that has none.

    Fixtures are loaded as raw saves, which django-simple-history does not record, except their
    many-to-many links, which it records as changes, one field at a time: a loaded record would
    show as changed from nothing. The leading versions nobody signed are the load's: the last
    of them, the record as loaded, becomes its creation and the others go. A record without any
    version gets one. Returns how many records were given one."""
    from simple_history.models import registered_models

    given = 0
    for model in set(registered_models.values()):
        manager = getattr(model, "history", None)
        if manager is None or model._meta.auto_created:
            continue
        pk = model._meta.pk.attname
        versions = manager.model.objects
        created = versions.filter(history_type="+").values(pk)
        loaded = versions.exclude(**{f"{pk}__in": created}).values_list(pk, flat=True)
        for record_id in set(loaded):
            rows = versions.filter(**{pk: record_id}).order_by("history_date", "history_id")
            leading = []
            for version_id, user_id in rows.values_list("history_id", "history_user_id"):
                if user_id is not None:
                    break
                leading.append(version_id)
            if leading:
                versions.filter(history_id__in=leading[:-1]).delete()
                versions.filter(history_id=leading[-1]).update(history_type="+")
                given += 1
        records = list(
            model._default_manager.exclude(**{f"{pk}__in": versions.values(pk)}).order_by(pk)
        )
        if records:
            manager.bulk_history_create(records, default_change_reason=reason)
            given += len(records)
    return given
