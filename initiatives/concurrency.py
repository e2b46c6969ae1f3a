"""No lost edits: what someone else saved since a form was opened is never silently overwritten.

Each form (a record's, and each row of its inlines) carries the version of what it edits: one
short digest per field, computed by PostgreSQL from the row and its links. On save, the rows are
locked (FOR UPDATE, inside the admin's transaction) and digested again; a field whose digest
moved was changed by someone else. Digests of values, not dates: a save that changed nothing
is no conflict, and a part without `updated_at` is covered like the rest.
"""

from django import forms
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.forms.models import BaseInlineFormSet

from initiatives.history import EMPTY, display_value, last_change_of, when

VERSION_FIELD = "edit_version"
DIGEST_LENGTH = 12  # 48 bits a field: a collision between two saves of one row is not a risk


def _versioned_columns(model, quote):
    """(field name, SQL text of its value on alias t): own columns, then links."""
    pk = quote(model._meta.pk.column)
    columns = []
    for f in model._meta.concrete_fields:
        if f.primary_key or not f.editable or getattr(f, "generated", False):
            continue
        columns.append((f.name, f"t.{quote(f.column)}::text"))
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through._meta
        if not through.auto_created:
            continue
        source = quote(through.get_field(m2m.m2m_field_name()).column)
        target = quote(through.get_field(m2m.m2m_reverse_field_name()).column)
        columns.append(
            (
                m2m.name,
                f"(SELECT array_agg(x.{target} ORDER BY x.{target}) "
                f"FROM {quote(through.db_table)} x WHERE x.{source} = t.{pk})::text",
            )
        )
    return columns


def row_versions(model, pks, lock=False):
    """{pk: {field name: digest}} for the rows of `model`, locked if asked (in a transaction)."""
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return {}
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = _versioned_columns(model, quote)
    digests = ", ".join(
        f"coalesce(left(md5({expression}), {DIGEST_LENGTH}), '-')" for _, expression in columns
    )
    pk = quote(model._meta.pk.column)
    sql = (
        f"SELECT t.{pk}, {digests} FROM {quote(model._meta.db_table)} t "
        f"WHERE t.{pk} = ANY(%s)" + (" FOR UPDATE OF t" if lock else "")
    )
    names = [name for name, _ in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, [pks])
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in cursor.fetchall()}


def encode(version):
    return ";".join(f"{name}={digest}" for name, digest in sorted(version.items()))


def decode(text):
    if not text:
        return None
    version = {}
    for item in text.split(";"):
        name, _, digest = item.partition("=")
        version[name] = digest
    return version


class ConcurrentEditForm(forms.ModelForm):
    """A form that refuses to overwrite what changed since it was opened, and says what."""

    edit_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, versions=None, checked_by_formset=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked_by_formset = checked_by_formset
        if self.instance.pk is not None and not self.is_bound:
            # From the row, not the instance: a revert form holds an older version of it.
            if versions is None:
                versions = row_versions(type(self.instance), [self.instance.pk])
            self.fields[VERSION_FIELD].initial = encode(versions.get(self.instance.pk, {}))

    def has_changed(self):
        # The version is not data: an inline row whose fields are unchanged is not saved.
        return any(name != VERSION_FIELD for name in self.changed_data)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and not self.checked_by_formset:
            model, pk = type(self.instance), self.instance.pk
            self.check_version(row_versions(model, [pk], lock=True).get(pk))
        return cleaned

    def changed_since_opened(self, current):
        """Names of this form's fields whose stored value moved since it was opened."""
        opened = decode(self.data.get(self.add_prefix(VERSION_FIELD)))
        if opened is None:
            return None
        return [
            name
            for name in self.fields
            if name in current and opened.get(name, current[name]) != current[name]
        ]

    def check_version(self, current):
        """Adds the conflict to the form's errors, if any (True then); `current` from
        row_versions, under the lock."""
        if current is None:
            return False  # gone meanwhile: the admin and the formset say so themselves
        changed = self.changed_since_opened(current)
        if changed is None:
            self.add_error(
                None,
                ValidationError(
                    "Ce formulaire ne porte pas la version de la fiche : rouvrez-la pour "
                    "repartir de sa dernière version.",
                    code="conflict",
                ),
            )
        elif changed:
            self._report_conflict(changed)
        else:
            return False
        # Shown once, it is not a conflict any more: the next save may overwrite, knowingly.
        self.data = self.data.copy()
        self.data[self.add_prefix(VERSION_FIELD)] = encode(current)
        return True

    def _report_conflict(self, changed):
        model = type(self.instance)
        fresh = model._default_manager.get(pk=self.instance.pk)
        authors = last_change_of(fresh, changed)
        labels, people = [], []
        for name in changed:
            model_field = model._meta.get_field(name)
            label = str(model_field.verbose_name)
            user, date = authors.get(name, (None, None))
            by = f"par {user}, le {when(date)}" if user else "par quelqu’un"
            labels.append(f"{label} ({by})")
            if user and user not in people:
                people.append(user)
            now = self._current_display(fresh, model_field)
            mine = self._submitted_display(name, model_field)
            self.add_error(
                name,
                ValidationError(
                    f"Modifié {by}. Valeur enregistrée : « {now} » ; votre saisie : « {mine} ».",
                    code="conflict",
                ),
            )
        subject = "Cette fiche" if not self.prefix else f"La ligne « {fresh} »"
        self.add_error(
            None,
            ValidationError(
                f"{subject} a été modifiée par {', '.join(people) or 'quelqu’un'} depuis que "
                f"vous l’avez ouverte. Champs modifiés : {' ; '.join(labels)}. Rien n’a été "
                "enregistré : la valeur enregistrée est affichée à côté de la vôtre sous chaque "
                "champ signalé ; gardez ou corrigez votre saisie, puis enregistrez à nouveau.",
                code="conflict",
            ),
        )

    @staticmethod
    def _current_display(fresh, model_field):
        if model_field.many_to_many:
            return display_value(model_field, list(getattr(fresh, model_field.name).all()))
        return display_value(model_field, getattr(fresh, model_field.name))

    def _submitted_display(self, name, model_field):
        if name in getattr(self, "cleaned_data", {}):
            value = self.cleaned_data[name]
            if model_field.many_to_many and value is not None:
                value = list(value)
            return display_value(model_field, value)
        raw = self[name].value()
        return EMPTY if raw in (None, "", []) else str(raw)


class VersionedFormSetMixin:
    """Rows of an inline: digested together when opened, locked and checked together on save."""

    def get_queryset(self):
        if not hasattr(self, "_versioned_queryset"):
            queryset = super().get_queryset()
            connection = connections[router.db_for_write(self.model)]
            if self.is_bound and connection.in_atomic_block:
                # Read under the lock: a row saved meanwhile elsewhere cannot slip in stale.
                queryset = queryset.select_for_update(of=("self",))
            self._versioned_queryset = queryset
        return self._versioned_queryset

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["checked_by_formset"] = True
        if not self.is_bound:
            if not hasattr(self, "_opened_versions"):
                pks = [obj.pk for obj in self.get_queryset()]
                self._opened_versions = row_versions(self.model, pks)
            kwargs["versions"] = self._opened_versions
        return kwargs

    def clean(self):
        super().clean()
        # A row whose POSTed values equal the stored ones is not saved: nothing to lose there.
        forms_ = [
            form
            for form in self.initial_forms
            if form.instance.pk is not None
            and (form.has_changed() or (self.can_delete and self._should_delete_form(form)))
        ]
        current = row_versions(self.model, [form.instance.pk for form in forms_], lock=True)
        removed = []
        for form in forms_:
            conflict = form.check_version(current.get(form.instance.pk))
            if conflict and self.can_delete and self._should_delete_form(form):
                removed.append(str(form.instance))
        if removed:
            raise ValidationError(
                "Lignes à supprimer modifiées entre-temps par quelqu’un d’autre : "
                f"{', '.join(removed)}. Rien n’a été enregistré ; vérifiez-les avant de les "
                "supprimer.",
                code="conflict",
            )


class VersionedInlineFormSet(VersionedFormSetMixin, BaseInlineFormSet):
    pass


class VersionedGenericInlineFormSet(VersionedFormSetMixin, BaseGenericInlineFormSet):
    pass
