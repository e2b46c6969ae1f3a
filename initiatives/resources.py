"""Bulk import and export (CSV, XLSX) for staff, through django-import-export.

Built for spreadsheets: French headers and labels on export, and on import French or code
headers, French labels or codes, themes, territories and actors by slug or by name (accents and
case forgiven). A value that matches nothing is an error on its row naming the closest known
ones, never dropped. Imports run in one transaction: a file with one bad row writes nothing.
Imported records keep their state, or start as drafts: nobody publishes through a spreadsheet.
Text is compared with its line endings and surrounding spaces normalised, so a file exported
and imported again unchanged changes nothing, even on a published record.
"""

from diff_match_patch import diff_match_patch
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Greatest
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from import_export import fields, resources, widgets

from initiatives.models import Initiative, PublicationState, Territory, Theme, locked_for
from initiatives.models.fields import SortKey
from initiatives.partial_dates import PartialDate
from initiatives.spreadsheets import closest, match_key, normalise_text, quoted_list

VALUES_SEPARATOR = "|"
LOCKED_STATE_NAMES = {PublicationState.PUBLISHED: "publiée", PublicationState.ARCHIVED: "archivée"}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (a missing column…); one French sentence."""


class PartialDateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as error:
            raise ValueError(str(error)) from None

    def render(self, value, obj=None, **kwargs):
        return value.iso if value else ""


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return normalise_text(super().clean(value, row, **kwargs))


class BooleanWidget(widgets.BooleanWidget):
    """Oui/non as typed in a French spreadsheet, 1/0 as exported; anything else is an error
    (the library reads every unknown value as "no")."""

    TRUE_KEYS = {"1", "oui", "o", "vrai", "x", "true", "yes"}
    FALSE_KEYS = {"0", "non", "n", "faux", "false", "no"}

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        key = match_key(value)
        if key in self.TRUE_KEYS:
            return True
        if key in self.FALSE_KEYS:
            return False
        raise ValueError(f"« {value} » n'est ni « oui » ni « non ».")


class ChoiceWidget(widgets.Widget):
    """A choice by its French label ("Projet", "en cours") or its code ("project"); exported as
    its label."""

    def __init__(self, choices, unknown):
        super().__init__()
        self.choices = [(str(code), str(label)) for code, label in choices]
        self.unknown = unknown  # "Type inconnu"
        self.codes = {}
        for code, label in self.choices:
            self.codes.setdefault(match_key(code), code)
            self.codes.setdefault(match_key(label), code)

    def clean(self, value, row=None, **kwargs):
        text = normalise_text(value)
        if text in (None, ""):
            return ""
        if (code := self.codes.get(match_key(text))) is not None:
            return code
        labels = [label for _code, label in self.choices]
        codes = [code for code, _label in self.choices]
        near = closest(text, labels) or [dict(self.choices)[code] for code in closest(text, codes)]
        if near:
            advice = f"vouliez-vous dire {quoted_list(near)} ?"
        else:
            advice = f"valeurs possibles : {quoted_list(labels)}."
        raise ValueError(f"{self.unknown} « {text} » : {advice}")

    def render(self, value, obj=None, **kwargs):
        return dict(self.choices).get(value, value or "")


class Lookup:
    """Finds a record by slug or by name, unaccented and case-insensitive, or says which known
    ones are closest."""

    def __init__(self, model, unknown, name_field="name"):
        self.model = model
        self.unknown = unknown  # "Thématique inconnue"
        self.name_field = name_field

    def find(self, value):
        text = " ".join(str(value).split())
        slug = match_key(text)
        found = list(
            self.model.objects.filter(
                Q(slug=text) | Q(slug=slug) | Q(sort_key=SortKey(Value(text)))
            ).order_by("slug")[:5]
        )
        exact = [record for record in found if record.slug in (text, slug)]
        if len(exact) == 1 or len(found) == 1:
            return (exact or found)[0]
        if found:
            raise ValueError(
                f"« {text} » désigne plusieurs fiches ({quoted_list([r.slug for r in found])}) : "
                "indiquez l'identifiant."
            )
        message = f"{self.unknown} « {text} »"
        near = self.closest(text)
        if near:
            message += f" : vouliez-vous dire {quoted_list(near)} ?"
        else:
            message += " : aucune fiche n'a un nom ou un identifiant proche."
        if any(mark in text for mark in (",", ";")):
            message += f" Séparez plusieurs valeurs par « {VALUES_SEPARATOR} »."
        raise ValueError(message)

    def closest(self, text, limit=3):
        # Trigram similarity on the unaccented name (indexed on the large tables) and the slug.
        phrase = match_key(text).replace("-", " ")
        similarity = Greatest(
            TrigramSimilarity("sort_key", Value(phrase)),
            TrigramSimilarity("slug", Value(match_key(text))),
        )
        candidates = (
            self.model.objects.annotate(similarity=similarity)
            .filter(similarity__gte=0.3)
            .order_by("-similarity", "slug")
            .values_list("slug", flat=True)[: limit * 3]
        )
        candidates = list(candidates)
        return closest(text, candidates, limit) or candidates[:limit]


class LookupForeignKeyWidget(widgets.ForeignKeyWidget):
    def __init__(self, model, unknown):
        super().__init__(model, field="slug")
        self.lookup = Lookup(model, unknown)

    def clean(self, value, row=None, **kwargs):
        text = normalise_text(value)
        if text in (None, ""):
            return None
        return self.lookup.find(text)


class LookupManyWidget(widgets.ManyToManyWidget):
    """Several values separated by "|", each by slug or name; every unknown one is named."""

    def __init__(self, model, unknown):
        super().__init__(model, separator=VALUES_SEPARATOR, field="slug")
        self.lookup = Lookup(model, unknown)

    def clean(self, value, row=None, **kwargs):
        text = normalise_text(value)
        if text in (None, ""):
            return []
        found, errors = [], []
        for part in str(text).split(self.separator):
            if not (part := part.strip()):
                continue
            try:
                found.append(self.lookup.find(part))
            except ValueError as error:
                errors.append(str(error))
        if errors:
            raise ValueError(" ".join(errors))
        return list({record.pk: record for record in found}.values())


def comparable(value):
    """A field's value as compared for "unchanged": None and "" alike, text normalised."""
    if value is None:
        return ""
    return normalise_text(value)


class RegistryResource(resources.ModelResource):
    # Header of each model field where its verbose name is not the right one.
    HEADERS = {"slug": "identifiant"}
    # Gender agreement of "inconnu" for each choice field's label.
    UNKNOWN = {"kind": "Type inconnu", "status": "Statut inconnu"}

    class Meta:
        abstract = True
        import_id_fields = ["slug"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        field.column_name = cls.HEADERS.get(field_name, str(django_field.verbose_name))
        if django_field.choices:
            unknown = cls.UNKNOWN.get(field_name, f"Valeur inconnue pour « {field.column_name} »")
            field.widget = ChoiceWidget(django_field.choices, unknown)
        elif isinstance(django_field, models.BooleanField):
            field.widget = BooleanWidget()
        elif isinstance(django_field, models.CharField | models.TextField):
            field.widget = TextWidget(allow_blank=True)
        return field

    def header_names(self):
        """Every accepted spelling of each column (French header, code, verbose name), matched
        unaccented and case-insensitive, with the column it stands for."""
        names = {}
        model_fields = {field.name: field for field in self._meta.model._meta.get_fields()}
        for name, field in self.fields.items():
            spellings = [field.column_name, name, field.attribute]
            if (model_field := model_fields.get(field.attribute)) is not None:
                spellings.append(getattr(model_field, "verbose_name", ""))
            for spelling in spellings:
                if spelling:
                    names.setdefault(match_key(spelling), field.column_name)
        return names

    def before_import(self, dataset, **kwargs):
        self.file_refused = True  # until its headers are read
        names = self.header_names()
        columns = [field.column_name for field in self.get_import_fields()]
        headers, self.ignored_columns = [], []
        for header in dataset.headers:
            column = names.get(match_key(header))
            if column is None:
                near = closest(header, columns, limit=1)
                self.ignored_columns.append((header, near[0] if near else None))
                headers.append(header)
            elif column in headers:
                raise ImportFileError(
                    f"La colonne « {column} » apparaît deux fois (dont « {header} ») : "
                    "gardez-en une seule."
                )
            else:
                headers.append(column)
        id_columns = [self.fields[name].column_name for name in self._meta.import_id_fields]
        missing = [column for column in id_columns if column not in headers]
        if missing:
            raise ImportFileError(
                f"La colonne {quoted_list(missing, 'et')} manque : elle désigne chaque fiche "
                f"(colonnes lues : {quoted_list(dataset.headers, 'et')}). Si tout tient dans une "
                "seule colonne, le séparateur n'est pas reconnu : utilisez « ; » ou « , »."
            )
        dataset.headers = headers
        self.file_refused = False
        super().before_import(dataset, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        # For the admin's error list: the columns ignored, and the column of each attribute.
        result.ignored_columns = getattr(self, "ignored_columns", [])
        result.columns_by_attribute = {
            field.attribute: field.column_name for field in self.get_import_fields()
        }

    def import_data(self, dataset, *args, **kwargs):
        # One bad row writes nothing, in the admin's confirmation step too (the library only
        # rolls back validation errors when asked).
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    def import_row(self, row, instance_loader, **kwargs):
        # Rows of a refused file are not read (the file's error says it all); empty lines
        # are left alone.
        if getattr(self, "file_refused", False) or not any(
            value not in (None, "") for value in row.values()
        ):
            row_result = self.get_row_result_class()()
            row_result.import_type = row_result.IMPORT_TYPE_SKIP  # an empty line
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        # The library leaves many-to-many values to after the save, where an error is a crash:
        # check them with the other fields, so an unknown theme is an error on its row.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        self.changed_columns = []
        self.stored_name = str(original) if original is not None else ""
        if import_validation_errors or original is None or original.pk is None:
            return False
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            if isinstance(field.widget, widgets.ManyToManyWidget):
                imported = {record.pk for record in field.clean(row)}
                stored = set(field.get_value(original).values_list("pk", flat=True))
                changed = imported != stored
            else:
                changed = comparable(field.get_value(instance)) != comparable(
                    field.get_value(original)
                )
            if changed:
                self.changed_columns.append(field.column_name)
        return not self.changed_columns

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk and locked_for(kwargs.get("user"), instance):
            state = LOCKED_STATE_NAMES[instance.publication_state]
            changed = quoted_list(getattr(self, "changed_columns", []), "et")
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: f"« {self.stored_name or instance} » est une fiche {state} : "
                    f"seul un relecteur peut la modifier (colonnes modifiées : {changed}). "
                    "Remettez ces valeurs telles qu'exportées ou retirez la ligne du fichier."
                }
            )
        super().before_save_instance(instance, row, **kwargs)

    def get_diff_class(self):
        return NormalisedDiff


class NormalisedDiff(resources.Diff):
    """The preview's comparison, line endings and spaces normalised like skip_row's."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.left = [comparable(value) for value in self.left]

    def compare_with(self, resource, instance):
        super().compare_with(resource, instance)
        self.right = [comparable(value) for value in self.right]

    def as_html(self):
        # The library's diff marks changes with style attributes, which our CSP refuses.
        differ = diff_match_patch()
        cells = []
        for left, right in zip(self.left, self.right, strict=False):
            if left != right and self.new:
                left = ""
            diff = differ.diff_main(str(left), str(right))
            differ.diff_cleanupSemantic(diff)
            tags = {differ.DIFF_INSERT: "ins", differ.DIFF_DELETE: "del"}
            parts = []
            for operation, text in diff:
                text = conditional_escape(text).replace("\n", mark_safe("<br>"))
                tag = tags.get(operation)
                parts.append(f"<{tag}>{text}</{tag}>" if tag else text)
            cells.append(mark_safe("".join(parts)))
        return cells


class InitiativeResource(RegistryResource):
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=LookupForeignKeyWidget(Initiative, "Initiative parente inconnue"),
    )
    themes = fields.Field(
        attribute="themes",
        column_name="thématiques",
        widget=LookupManyWidget(Theme, "Thématique inconnue"),
    )
    territories = fields.Field(
        attribute="territories",
        column_name="territoires",
        widget=LookupManyWidget(Territory, "Territoire inconnu"),
    )
    start = fields.Field(attribute="start", column_name="début", widget=PartialDateWidget())
    end = fields.Field(attribute="end", column_name="fin", widget=PartialDateWidget())

    class Meta(RegistryResource.Meta):
        model = Initiative
        name = "Initiatives"
        fields = [
            "slug",
            "title",
            "acronym",
            "kind",
            "status",
            "parent",
            "summary",
            "objectives",
            "body",
            "start",
            "end",
            "website",
            "themes",
            "territories",
        ]
        export_order = fields
