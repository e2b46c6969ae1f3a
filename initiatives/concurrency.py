"""No lost edits: a record saved by someone else since a form was opened is not overwritten."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format


class ConcurrentEditForm(forms.ModelForm):
    """Carries the version (`updated_at`) the record had when the form was opened.

    The admin validates forms inside its transaction; the row is locked while it is compared,
    so two saves cannot both pass the check.
    """

    edit_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            # From the row, not the instance: a revert form holds an older version of it.
            version = self._current_version()
            self.fields["edit_version"].initial = version.isoformat() if version else ""

    def _current_version(self, lock=False):
        rows = type(self.instance).objects.filter(pk=self.instance.pk)
        if lock:
            rows = rows.select_for_update()
        return rows.values_list("updated_at", flat=True).first()

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        current = self._current_version(lock=True)
        opened = parse_datetime(self.data.get(self.add_prefix("edit_version")) or "")
        if current is not None and opened != current:
            raise ValidationError(conflict_message(self.instance, opened), code="conflict")
        return cleaned


def conflict_message(instance, opened):
    """Who changed what since `opened`, from the history."""
    records = list(instance.history.order_by("history_date"))
    later = [record for record in records if opened is None or record.history_date > opened]
    fields, authors = [], []
    for record in later:
        previous = record.prev_record
        if previous is not None:
            for change in record.diff_against(previous).changes:
                label = str(instance._meta.get_field(change.field).verbose_name)
                if label not in fields:
                    fields.append(label)
        name = record.history_user.get_username() if record.history_user else "quelqu'un"
        if name not in authors:
            authors.append(name)
    when = date_format(timezone.localtime(later[-1].history_date), "j F Y à H:i") if later else ""
    changed = ", ".join(fields) if fields else "son état"
    return (
        f"Cette fiche a été modifiée par {', '.join(authors) or 'quelqu’un'} ({when}) depuis "
        f"que vous l'avez ouverte ; champs modifiés : {changed}. Vos modifications n'ont pas "
        "été enregistrées : rouvrez la fiche pour repartir de sa dernière version."
    )
