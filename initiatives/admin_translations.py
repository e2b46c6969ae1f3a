"""English content in the staff site: each translated field edited beside its French, an
English text older than its French source marked, and an action confirming translations."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F

from initiatives.translations import confirm_translations, stale_translations, translated_fields

STALE_HELP = (
    "Traduction plus ancienne que le texte français\u202f: le français a changé depuis. "
    "Relisez-la, puis corrigez-la ou confirmez-la (action « Confirmer les traductions "
    "anglaises »)."
)
STALE_CLASS = "translation-stale"


def english(name):
    return f"{name}_en"


def side_by_side(fields, translated):
    """Each translated field followed by its English on the same line; in a line of several
    fields, their English on the line below."""
    rows = []
    for item in fields:
        if isinstance(item, list | tuple):
            rows.append(item)
            below = tuple(english(name) for name in item if name in translated)
            if below:
                rows.append(below)
        elif item in translated:
            rows.append((item, english(item)))
        else:
            rows.append(item)
    return rows


def marking_stale(form_class):
    """The form, with a mark on each English field older than its French source (read from
    the record's own columns: no query)."""

    class StaleMarkedForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.pk is None:
                return
            for name in stale_translations(self.instance):
                field = self.fields.get(english(name))
                if field is not None:
                    field.help_text = STALE_HELP
                    classes = field.widget.attrs.get("class", "")
                    field.widget.attrs["class"] = f"{classes} {STALE_CLASS}".strip()

    StaleMarkedForm.__name__ = form_class.__name__
    return StaleMarkedForm


class TranslatedFieldsMixin:
    """For a ModelAdmin or an inline of a model with an `i18n` column."""

    def _translated(self):
        return translated_fields(self.model)

    def get_fields(self, request, obj=None):
        # django-modeltrans' other views of the column (title_i18n, title_fr) are not edited.
        # The English ones come back beside their French in get_fieldsets.
        translated = self._translated()
        return [
            name
            for name in super().get_fields(request, obj)
            if not isinstance(name, str)
            or not any(name.startswith(f"{field}_") for field in translated)
        ]

    def get_fieldsets(self, request, obj=None):
        translated = self._translated()
        return [
            (name, {**options, "fields": side_by_side(options["fields"], translated)})
            for name, options in super().get_fieldsets(request, obj)
        ]


class TranslatedAdminMixin(TranslatedFieldsMixin):
    @property
    def actions(self):
        return [*(super().actions or []), "confirm_english"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        return marking_stale(super().get_form(request, obj, change, **kwargs))

    @admin.action(
        description="Confirmer les traductions anglaises (elles disent ce que dit le français)",
        permissions=["change"],
    )
    def confirm_english(self, request, queryset):
        with transaction.atomic():
            confirm_translations()
            # Rewriting the column as it is fires the trigger, which dates every English
            # text from today's French.
            count = queryset.update(i18n=F("i18n"))
        messages.success(request, f"Traductions confirmées\u202f: {count}.")


class TranslatedInlineMixin(TranslatedFieldsMixin):
    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = marking_stale(formset.form)
        return formset
