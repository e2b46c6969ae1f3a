"""Proposed changes to published records: what a proposal changes, and its replay through the
record's own admin form and formsets, to compare it, preview it or publish it.

A proposal is replayed as a *delta*: the record's form keeps only the fields the proposal
changes, and each formset only the rows it adds, changes or removes (each changed row keeping
only its changed fields). So publishing it never writes back a stale value of a field someone
else changed meanwhile, and the version check of initiatives.concurrency, which looks at the
form's fields only, refuses exactly the changes made since on the same fields."""

import copy
import re
from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.text import capfirst

from initiatives.concurrency import VERSION_FIELD
from initiatives.history import EMPTY, display_value
from initiatives.models import Proposal, ReviewStep

NNBSP = "\u202f"  # before ; : ! ? in French
# Decided by the workflow, never by a proposal (a Rédacteur may not choose it anyway).
NOT_PROPOSED = ("publication_state",)
NOT_DATA = {"csrfmiddlewaretoken", "_save", "_continue", "proposal_comment"}  # not form data


def proposing(request):
    """Whether the request edits a locked record as a proposal (then the lock does not apply)."""
    return getattr(request, "proposing", False)


def may_review(user, model):
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


def may_see(user, proposal):
    return proposal.author_id == user.pk or may_review(user, proposal.content_type.model_class())


def submitted_data(post):
    return {name: post.getlist(name) for name in post if name not in NOT_DATA}


def describe(form, formsets):
    """What a validated proposal form changes in the record as it stands."""
    own = {field.name for field in form._meta.model._meta.get_fields()}  # not "save anyway"
    changes = {"fields": [name for name in form.changed_data if name in own], "parts": {}}
    for formset in formsets:
        rows = []
        for index, row in enumerate(formset.forms):
            deleted = formset.can_delete and formset._should_delete_form(row)
            if index < formset.initial_form_count():
                if deleted:
                    rows.append({"index": index, "pk": row.instance.pk, "action": "deleted"})
                elif row.has_changed():
                    names = [n for n in row.changed_data if n not in (VERSION_FIELD, "DELETE")]
                    rows.append(
                        {
                            "index": index,
                            "pk": row.instance.pk,
                            "action": "changed",
                            "fields": names,
                        }
                    )
            elif row.has_changed() and not deleted:
                rows.append({"index": index, "pk": None, "action": "added"})
        if rows:
            changes["parts"][formset.prefix] = rows
    return changes


def is_empty(changes):
    return not changes.get("fields") and not changes.get("parts")


def reduced_data(proposal):
    """The submitted form with, in each formset, only the rows the proposal touches, renumbered
    (a row removed meanwhile then never stops the others)."""
    data = proposal.form_data()
    reduced = QueryDict(mutable=True)
    prefixes = [name.removesuffix("-TOTAL_FORMS") for name in data if name.endswith("-TOTAL_FORMS")]
    row_key = re.compile(r"^(?P<prefix>.+)-(?P<index>\d+)-(?P<field>[^-]+)$")
    for name, values in data.lists():
        match = row_key.match(name)
        if name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")):
            continue
        if match and match["prefix"] in prefixes:
            continue
        reduced.setlist(name, values)
    for prefix in prefixes:
        rows = proposal.changes.get("parts", {}).get(prefix, [])
        # Existing rows first, as a formset expects.
        rows = sorted(rows, key=lambda row: (row["pk"] is None, row["index"]))
        for new_index, row in enumerate(rows):
            old = f"{prefix}-{row['index']}-"
            for name, values in data.lists():
                if name.startswith(old):
                    reduced.setlist(f"{prefix}-{new_index}-{name.removeprefix(old)}", values)
        reduced[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        reduced[f"{prefix}-INITIAL_FORMS"] = str(sum(row["pk"] is not None for row in rows))
    return reduced


def replay_request(request, data):
    """The request as the admin's form and formsets read it: `data` POSTed, as a proposal."""
    replay = copy.copy(request)
    replay.method = "POST"
    replay._post = data
    replay._files = MultiValueDict()
    replay.proposing = True
    return replay


def keep_only(form, names):
    for name in list(form.fields):
        if name not in names:
            del form.fields[name]


@dataclass
class FieldChange:
    label: str
    current: str
    proposed: str
    changed: bool
    long: bool = False


@dataclass
class RowChange:
    action: str  # added, changed, deleted
    title: str
    fields: list = field(default_factory=list)

    @property
    def action_label(self):
        return {"added": "ajout", "changed": "modification", "deleted": "suppression"}[self.action]


@dataclass
class PartChanges:
    label: str
    rows: list
    unchanged: int


class Replay:
    """A proposal replayed through its record's admin form and formsets (see the module)."""

    def __init__(self, proposal, request):
        self.proposal = proposal
        self.model = proposal.content_type.model_class()
        self.model_admin = admin.site._registry[self.model]
        self.request = replay_request(request, reduced_data(proposal))
        self.record = self.model_admin.get_object(self.request, str(proposal.object_id))
        self.problems = []
        self.conflict = False
        if self.record is None:
            self.problems.append("La fiche n’existe plus.")
            return
        model_admin, request, record = self.model_admin, self.request, self.record
        fields = flatten_fieldsets(model_admin.get_fieldsets(request, record))
        form_class = model_admin.get_form(
            request, record, change=True, fields=[f for f in fields if f not in NOT_PROPOSED]
        )
        self.form = form_class(request.POST, request.FILES, instance=record)
        # The form's order, before it keeps only the changed fields.
        own = {field.name for field in self.model._meta.get_fields()}  # not "save anyway"
        self.field_names = [name for name in self.form.fields if name in own]
        keep_only(self.form, {*proposal.changes.get("fields", []), VERSION_FIELD})
        self.formsets, self.inlines = model_admin._create_formsets(request, record, change=True)
        parts = proposal.changes.get("parts", {})
        for formset in self.formsets:
            rows = sorted(
                parts.get(formset.prefix, []), key=lambda row: (row["pk"] is None, row["index"])
            )
            fk = getattr(getattr(formset, "fk", None), "name", None)
            always = {formset.model._meta.pk.name, fk, DELETION_FIELD_NAME, VERSION_FIELD}
            for row, form in zip(rows, formset.forms, strict=False):
                if row["action"] == "changed":
                    keep_only(form, {*always, *row["fields"]})
            formset.proposal_rows = rows

    # Reading -------------------------------------------------------------------------------

    def current_values(self):
        """{name: value as displayed} of the record and of the rows the proposal touches, read
        before validation (which writes the proposed values onto the instances)."""
        record = self.record
        values = {}
        for name in self.field_names:
            model_field = self.model._meta.get_field(name)
            value = getattr(record, name)
            if model_field.many_to_many:
                value = list(value.all())
            values[name] = display_value(model_field, value)
        rows = {}
        for formset in self.formsets:
            for row, form in zip(formset.proposal_rows, formset.forms, strict=False):
                if row["pk"] is None or form.instance.pk is None:
                    continue
                rows[formset.prefix, row["pk"]] = {
                    "title": str(form.instance),
                    "values": {
                        name: self._display(formset.model, name, getattr(form.instance, name))
                        for name in self._row_fields(formset)
                    },
                }
        return values, rows

    @staticmethod
    def _display(model, name, value):
        return display_value(model._meta.get_field(name), value)

    def _row_fields(self, formset):
        form = formset.empty_form
        return [
            name
            for name in form.fields
            if name not in (VERSION_FIELD, DELETION_FIELD_NAME, formset.model._meta.pk.name)
            and name != getattr(getattr(formset, "fk", None), "name", None)
        ]

    def is_valid(self):
        if self.record is None:
            return False
        valid = self.form.is_valid()
        checked = [formset.is_valid() for formset in self.formsets]  # each, for its errors
        valid = all(checked) and valid
        if valid:
            valid = self._check_constraints()
        if not valid:
            self._collect_problems()
        return valid

    def _check_constraints(self):
        # A form that keeps some fields validates the constraints on those only; the database
        # would refuse the others: checked on the whole row, with their French messages.
        instances = [(self.form, self.form.instance)]
        for formset in self.formsets:
            for row, form in zip(formset.proposal_rows, formset.forms, strict=False):
                if row["action"] != "deleted":
                    instances.append((form, form.instance))
        valid = True
        for form, instance in instances:
            try:
                instance.validate_constraints()
            except ValidationError as error:
                form.add_error(None, list(error.messages))
                valid = False
        return valid

    def _collect_problems(self):
        def label(model, name):
            if name == NON_FIELD_ERRORS:
                return None
            try:
                return capfirst(model._meta.get_field(name).verbose_name)
            except Exception:
                return name

        def add(where, form, model):
            for name, errors in form.errors.as_data().items():
                for error in errors:
                    self.conflict |= error.code == "conflict"
                    text = " ".join(error.messages)
                    field_label = label(model, name)
                    parts = [p for p in (where, field_label) if p]
                    self.problems.append(f"{' — '.join(parts)}{NNBSP}: {text}" if parts else text)

        add(None, self.form, self.model)
        for formset in self.formsets:
            part = capfirst(formset.model._meta.verbose_name_plural)
            for error in formset.non_form_errors().as_data():
                self.conflict |= error.code == "conflict"
                self.problems.append(f"{part}{NNBSP}: {' '.join(error.messages)}")
            for form in formset.forms:
                where = f"{part}, « {form.instance} »" if form.instance.pk else part
                add(where, form, formset.model)

    def comparison(self):
        """The side-by-side comparison: validates the replay (call it once, instead of
        is_valid) and returns (fields, parts)."""
        current, current_rows = self.current_values()
        valid = self.is_valid()
        changed = set(self.proposal.changes.get("fields", []))
        fields = []
        for name in self.field_names:
            model_field = self.model._meta.get_field(name)
            proposed = current[name]
            if name in changed and valid:
                value = self.form.cleaned_data.get(name)
                if model_field.many_to_many and value is not None:
                    value = list(value)
                proposed = display_value(model_field, value)
            elif name in changed:
                proposed = self._submitted(self.form, name)
            long = model_field.get_internal_type() == "TextField"
            fields.append(
                FieldChange(
                    label=capfirst(model_field.verbose_name),
                    current=self._full(self.record, name, current[name], long),
                    proposed=self._full_proposed(name, proposed, long, valid),
                    changed=name in changed,
                    long=long,
                )
            )
        parts = []
        for formset in self.formsets:
            rows = []
            names = self._row_fields(formset)
            for row, form in zip(formset.proposal_rows, formset.forms, strict=False):
                before = current_rows.get((formset.prefix, row["pk"]), {"values": {}})
                changed_names = set(
                    row.get("fields", names) if row["action"] != "deleted" else names
                )
                row_fields = []
                for name in names:
                    model_field = formset.model._meta.get_field(name)
                    was = before["values"].get(name, EMPTY)
                    if row["action"] == "deleted":
                        will = EMPTY
                    elif name in changed_names and name in form.fields:
                        cleaned = getattr(form, "cleaned_data", {})
                        will = (
                            display_value(model_field, cleaned[name])
                            if name in cleaned
                            else self._submitted(form, name)
                        )
                    else:
                        will = was
                    if row["action"] == "added":
                        was = EMPTY
                    row_fields.append(
                        FieldChange(
                            label=capfirst(model_field.verbose_name),
                            current=was,
                            proposed=will,
                            changed=name in changed_names and was != will,
                        )
                    )
                title = before.get("title") or "nouvelle ligne"
                rows.append(RowChange(action=row["action"], title=title, fields=row_fields))
            total = len(formset.get_queryset())
            touched = sum(row["pk"] is not None for row in formset.proposal_rows)
            parts.append(
                PartChanges(
                    label=capfirst(formset.model._meta.verbose_name_plural),
                    rows=rows,
                    unchanged=max(total - touched, 0),
                )
            )
        return fields, parts

    @staticmethod
    def _submitted(form, name):
        value = form[name].value() if name in form.fields else None
        if value in (None, "", []):
            return EMPTY
        return ", ".join(value) if isinstance(value, list) else str(value)

    @staticmethod
    def _full(record, name, shown, long):
        # Long texts are compared whole: a change in their 41st word must show.
        if long:
            return getattr(record, name) or EMPTY
        return shown

    def _full_proposed(self, name, shown, long, valid):
        if long and valid and name in self.proposal.changes.get("fields", []):
            return self.form.cleaned_data.get(name) or EMPTY
        return shown

    # Writing -------------------------------------------------------------------------------

    def save(self, *, publish):
        """Applies the validated replay; as the Relecteur's change (logged, with a change
        reason naming the author) if `publish`, else as a preview meant to be rolled back."""
        model_admin, request, form = self.model_admin, self.request, self.form
        reason = f"Proposition de {self.proposal.author_name} publiée"
        record = model_admin.save_form(request, form, change=True)
        record._change_reason = reason
        for formset in self.formsets:
            for row in formset.forms:
                row.instance._change_reason = reason
        if publish:
            model_admin.save_model(request, record, form, True)
        else:
            record.save()
        model_admin.save_related(request, form, self.formsets, True)
        if publish:
            message = model_admin.construct_change_message(request, form, self.formsets, False)
            model_admin.log_change(request, record, message)
        return record


def refused(replay):
    if replay.conflict:
        return (
            "La proposition n’a pas été publiée, rien n’a été enregistré"
            f"{NNBSP}: depuis qu’elle a été faite, la fiche a été modifiée sur les mêmes "
            "champs. Renvoyez-la à son auteur pour qu’il la reprenne à partir de la version "
            "actuelle."
        )
    return (
        "La proposition n’a pas été publiée, rien n’a été enregistré"
        f"{NNBSP}: elle n’est plus valide pour la fiche telle qu’elle est aujourd’hui."
    )


class ProposalRefused(Exception):
    def __init__(self, message, problems):
        super().__init__(message)
        self.message, self.problems = message, problems


def publish(proposal, request, comment=""):
    """Applies the proposal to its record in one transaction, or raises ProposalRefused with
    nothing written."""
    with transaction.atomic():
        replay = Replay(proposal, request)
        if not replay.is_valid():
            raise ProposalRefused(refused(replay), replay.problems)
        try:
            with transaction.atomic():
                record = replay.save(publish=True)
        except IntegrityError as error:  # a rule the form could not see: nothing is kept
            raise ProposalRefused(refused(replay), [str(error).splitlines()[0]]) from None
        now = timezone.now()
        proposal.state = Proposal.State.PUBLISHED
        proposal.decided_by, proposal.decided_at = request.user, now
        proposal.decision_comment = comment
        proposal.save()
        text = f"Proposition de {proposal.author_name} publiée."
        ReviewStep.objects.create(
            content_type=proposal.content_type,
            object_id=proposal.object_id,
            action=ReviewStep.Action.PUBLISH,
            comment=f"{text} {comment}".strip(),
            user=request.user,
            addressed_to=proposal.author,
            at=now,
        )
    return record


def send_back(proposal, user, comment):
    with transaction.atomic():
        now = timezone.now()
        proposal.state = Proposal.State.SENT_BACK
        proposal.decided_by, proposal.decided_at, proposal.decision_comment = user, now, comment
        proposal.save()
        ReviewStep.objects.create(
            content_type=proposal.content_type,
            object_id=proposal.object_id,
            action=ReviewStep.Action.REQUEST_CHANGES,
            comment=f"Proposition de modification renvoyée{NNBSP}: {comment}",
            user=user,
            addressed_to=proposal.author,
            at=now,
        )


def withdraw(proposal):
    proposal.state = Proposal.State.WITHDRAWN
    proposal.save(update_fields=["state", "updated_at"])


def submit(record, user, form, formsets, comment, proposal=None):
    """Stores the validated proposal form (updating the author's open or sent-back one)."""
    proposal = proposal or Proposal(record=record, author=user)
    proposal.data = submitted_data(form.data)
    proposal.changes = describe(form, formsets)
    proposal.edit_version = form.data.get(form.add_prefix(VERSION_FIELD), "")
    proposal.comment = comment
    proposal.state = Proposal.State.OPEN
    proposal.decided_by = proposal.decided_at = None
    proposal.decision_comment = ""
    proposal.save()
    note = (
        f"Proposition de modification{NNBSP}: {comment}"
        if comment
        else ("Proposition de modification.")
    )
    ReviewStep.objects.create(
        content_type=proposal.content_type,
        object_id=proposal.object_id,
        action=ReviewStep.Action.SUBMIT,
        comment=note,
        user=user,
    )
    return proposal
