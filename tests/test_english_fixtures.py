"""The demo's English (fixtures/translations/en.json) reaches the records load_demo loads."""

import pytest

from initiatives.models import ActivityType, Initiative, KeyFigure, Theme
from initiatives.translations import stale_translations

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_every_demo_theme_metier_and_figure_has_its_english():
    for model, field in ((Theme, "name"), (ActivityType, "name"), (KeyFigure, "label")):
        for record in model.objects.all():
            assert (record.i18n or {}).get(f"{field}_en"), record
            assert stale_translations(record) == []


def test_programmes_have_english_titles_and_tesr_operations_no_english_summary_yet():
    for initiative in Initiative.objects.all():
        assert (initiative.i18n or {}).get("title_en"), initiative
    operations = Initiative.objects.filter(
        parent__slug="transformation-ecologique-et-sociale-de-la-region"
    )
    assert operations.count() >= 9
    for operation in operations.exclude(slug__startswith="brouillon"):
        assert not operation.i18n.get("summary_en"), operation
