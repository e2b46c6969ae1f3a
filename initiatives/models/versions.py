"""The versions django-simple-history keeps of a record, named in French ("version
d’initiative", not "historical initiative") wherever the admin shows them."""

from django.db.models import ForeignKey
from simple_history.models import HistoricalRecords
from simple_history.signals import (
    post_create_historical_m2m_records,
    pre_create_historical_m2m_records,
)
from simple_history.utils import get_m2m_field_name


def elided_of(noun):
    """« de » elided before a vowel sound: « d’initiative », « de document »."""
    noun = str(noun)
    return f"d’{noun}" if noun[:1].lower() in "aeiouyàâéèêëîïôh" else f"de {noun}"


class VersionHistory(HistoricalRecords):
    def post_save(self, instance, created, using=None, **kwargs):
        # A record just inserted has no many-to-many link yet (they are added after it, and
        # each addition is a version of its own): its first version has none to copy, so the
        # query per many-to-many field that would look for them is not sent.
        if created:
            instance._version_without_links = True
        try:
            super().post_save(instance, created, using=using, **kwargs)
        finally:
            instance.__dict__.pop("_version_without_links", None)

    def create_historical_record_m2ms(self, history_instance, instance):
        """django-simple-history 3.13's own, but for two things: a record's first version
        skips it (above), and the through model is read from the record saved, where the
        library rebuilt it from the version (`history_instance.instance`: a query for the
        excluded fields) once per many-to-many field, only to reach a class attribute."""
        if getattr(instance, "_version_without_links", False):
            return
        for field in history_instance._history_m2m_fields:
            m2m_history_model = self.m2m_models[field]
            through_model = getattr(instance, field.name).through
            through_model_field_names = [f.name for f in through_model._meta.fields]
            through_model_fk_field_names = [
                f.name for f in through_model._meta.fields if isinstance(f, ForeignKey)
            ]
            rows = through_model.objects.filter(**{get_m2m_field_name(field): instance})
            rows = rows.select_related(*through_model_fk_field_names)
            insert_rows = [
                m2m_history_model(
                    history=history_instance,
                    **{name: getattr(row, name) for name in through_model_field_names},
                )
                for row in rows
            ]
            pre_create_historical_m2m_records.send(
                sender=m2m_history_model,
                rows=insert_rows,
                history_instance=history_instance,
                instance=instance,
                field=field,
            )
            created_rows = m2m_history_model.objects.bulk_create(insert_rows)
            post_create_historical_m2m_records.send(
                sender=m2m_history_model,
                created_rows=created_rows,
                history_instance=history_instance,
                instance=instance,
                field=field,
            )

    def fields_included(self, model):
        # django-modeltrans' virtual fields (`title_en`, `title_i18n`) are views of the `i18n`
        # column, which a version keeps: copied as fields they would clash with it.
        return [field for field in super().fields_included(model) if field.concrete]

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        if not self.user_set_verbose_name:
            options["verbose_name"] = f"version {elided_of(model._meta.verbose_name)}"
        if not self.user_set_verbose_name_plural:
            options["verbose_name_plural"] = f"versions {elided_of(model._meta.verbose_name)}"
        return options

    def get_meta_options_m2m(self, through_model):
        options = super().get_meta_options_m2m(through_model)
        field = through_model._meta.auto_created
        name = (
            next(
                (
                    f.verbose_name
                    for f in field._meta.many_to_many
                    if f.remote_field.through is through_model
                ),
                through_model._meta.verbose_name,
            )
            if field
            else through_model._meta.verbose_name
        )
        options["verbose_name"] = f"version des liens {elided_of(name)}"
        return options
