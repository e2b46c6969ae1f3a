"""The versions django-simple-history keeps of a record, named in French ("version
d’initiative", not "historical initiative") wherever the admin shows them."""

from simple_history.models import HistoricalRecords


def elided_of(noun):
    """« de » elided before a vowel sound: « d’initiative », « de document »."""
    noun = str(noun)
    return f"d’{noun}" if noun[:1].lower() in "aeiouyàâéèêëîïôh" else f"de {noun}"


class VersionHistory(HistoricalRecords):
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
