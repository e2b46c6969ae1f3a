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


def test_every_initiative_has_its_english_title_and_summary_up_to_date():
    for initiative in Initiative.objects.all():
        assert (initiative.i18n or {}).get("title_en"), initiative
        if initiative.summary:
            assert initiative.i18n.get("summary_en"), initiative
        assert stale_translations(initiative) == [], initiative
    operations = Initiative.objects.filter(
        parent__slug="transformation-ecologique-et-sociale-de-la-region"
    )
    assert operations.count() >= 9
