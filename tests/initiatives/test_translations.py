"""English content beside the French: fallback, the mark on a translation older than its French
source (kept by the database on every write path), the English search, the demo's English."""

import json

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation

from initiatives.admin_translations import STALE_CLASS
from initiatives.models import Initiative, KeyFigure, Theme
from initiatives.translations import (
    confirm_translations,
    is_translated,
    load_translations,
    search_vector_name,
    stale_translations,
)
from portal.catalogue import search as search_module
from portal.catalogue.search import search, search_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def translated(make_initiative):
    initiative = make_initiative("Lutte contre le diabète", summary="Prévenir le diabète.")
    initiative.title_en = "Fighting diabetes"
    initiative.save()
    initiative.refresh_from_db()
    return initiative


def test_english_shown_on_english_pages_french_when_empty(translated):
    with translation.override("en"):
        assert translated.title_i18n == "Fighting diabetes"
        assert translated.summary_i18n == "Prévenir le diabète."
        assert is_translated(translated, "title")
        assert not is_translated(translated, "summary")  # the page puts lang="fr" on it
    with translation.override("fr"):
        assert translated.title_i18n == "Lutte contre le diabète"
        assert is_translated(translated, "summary")


def test_fresh_translation_is_not_stale_even_saved_twice(translated):
    translated.save()  # the instance's translated_from is whatever it read: the database decides
    translated.refresh_from_db()
    assert translated.translated_from.keys() == {"title"}
    assert stale_translations(translated) == []


def test_french_changed_by_save_makes_english_stale(translated):
    translated.title = "Lutte contre le diabète de type 2"
    translated.save()
    translated.refresh_from_db()
    assert stale_translations(translated) == ["title"]


def test_french_changed_by_queryset_update_makes_english_stale(translated):
    Initiative.objects.filter(pk=translated.pk).update(title="Autre titre")
    translated.refresh_from_db()
    assert stale_translations(translated) == ["title"]


def test_english_written_by_raw_sql_is_dated_from_the_french(translated):
    Initiative.objects.filter(pk=translated.pk).update(title="Autre titre")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE initiatives_initiative SET i18n = %s WHERE id = %s",
            [json.dumps({"title_en": "Another title"}), translated.pk],
        )
    translated.refresh_from_db()
    assert stale_translations(translated) == []


def test_emptied_english_is_forgotten(translated):
    translated.title_en = ""
    translated.save()
    translated.refresh_from_db()
    assert translated.translated_from == {}


def test_confirming_dates_english_from_todays_french(translated):
    Initiative.objects.filter(pk=translated.pk).update(title="Autre titre")
    with transaction.atomic():
        confirm_translations()
        Initiative.objects.filter(pk=translated.pk).update(title="Autre titre")
    translated.refresh_from_db()
    assert stale_translations(translated) == []


def test_key_figure_and_theme_translations_are_dated_too(make_initiative):
    theme = Theme.objects.create(name="Eau", slug="eau-test", i18n={"name_en": "Water"})
    figure = KeyFigure.objects.create(
        initiative=make_initiative(), value=3, unit="jours", label="journées", i18n={}
    )
    figure.unit_en = "days"
    figure.save()
    Theme.objects.filter(pk=theme.pk).update(name="Eaux")
    theme.refresh_from_db()
    figure.refresh_from_db()
    assert stale_translations(theme) == ["name"]
    assert stale_translations(figure) == []


def test_english_search_uses_english_stems_and_falls_back_to_french(translated, make_initiative):
    make_initiative("Économie circulaire", summary="Réduire les déchets.")
    assert search_vector_name("en") == "search_vector_en"
    assert search_vector_name("fr") == "search_vector"
    english = Initiative.objects.filter(search_vector_en=search_query("diabetes", "en"))
    assert list(english) == [translated]
    # Not translated yet: still found on English pages by its French words.
    assert Initiative.objects.filter(search_vector_en=search_query("déchets", "en")).exists()
    assert not Initiative.objects.filter(search_vector=search_query("fighting", "fr")).exists()
    [section] = search("fighting diabetes", "en")
    assert [hit.pk for hit in section.hits] == [translated.pk]


def test_english_search_beyond_the_bound_ranks_english_title_matches_first(
    translated, make_initiative, monkeypatch
):
    monkeypatch.setattr(search_module, "CANDIDATES", 2)
    for number in range(3):
        make_initiative(f"Projet {number}", summary="Prévenir le diabète.").save()
    [section] = search("diabetes", "en")
    assert section.capped
    # Found by its English title's words (weighted A in search_vector_en), ranked first.
    assert section.hits[0].pk == translated.pk


def test_search_follows_the_active_language(translated):
    with translation.override("en"):
        assert [s.key for s in search("fighting")] == ["initiatives"]
    assert search("fighting") == []


def test_translation_file_applies_english_by_slug(tmp_path, translated):
    path = tmp_path / "en.json"
    path.write_text(
        json.dumps(
            {
                "about": "notes",
                "initiatives.initiative": {
                    translated.slug: {"summary": "Preventing diabetes.", "title": "Diabetes"},
                    "absent": {"title": "Nobody"},
                },
            }
        )
    )
    assert load_translations(path) == ["initiatives.initiative absent"]
    translated.refresh_from_db()
    assert translated.i18n == {"title_en": "Diabetes", "summary_en": "Preventing diabetes."}
    assert stale_translations(translated) == []


def test_admin_edits_side_by_side_and_marks_stale_english(admin_client, translated):
    Initiative.objects.filter(pk=translated.pk).update(title="Autre titre")
    url = reverse("admin:initiatives_initiative_change", args=[translated.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="title_en"' in html and 'name="summary_en"' in html
    assert 'name="title_i18n"' not in html and 'name="title_fr"' not in html
    assert STALE_CLASS in html
    assert "Traduction plus ancienne que le texte français" in html


def test_admin_action_confirms_translations(admin_client, translated):
    Initiative.objects.filter(pk=translated.pk).update(title="Autre titre")
    response = admin_client.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": "confirm_english", "_selected_action": [translated.pk]},
    )
    assert response.status_code == 302
    translated.refresh_from_db()
    assert stale_translations(translated) == []


def test_choice_labels_are_djangos_in_each_language():
    """ChoiceLabels keeps each field's labels once; what get_FOO_display() says is unchanged,
    translated in the active language, an unknown value shown as it is."""
    from django.apps import apps
    from django.db.models import Model

    from initiatives.models import ChoiceLabels

    fields = [
        (model, field)
        for model in apps.get_models()
        if issubclass(model, ChoiceLabels)
        for field in model._meta.concrete_fields
        if field.choices
    ]
    assert {(model.__name__, field.name) for model, field in fields} >= {
        ("Initiative", "kind"), ("Initiative", "status"), ("Event", "status"),
        ("Involvement", "role"), ("Territory", "kind"),
    }  # fmt: skip
    for language in ("fr", "en"):
        with translation.override(language):
            for model, field in fields:
                for value in [value for value, _label in field.flatchoices] + ["inconnu", None]:
                    record = model(**{field.attname: value})
                    ours = getattr(record, f"get_{field.name}_display")()
                    assert ours == Model._get_FIELD_display(record, field)
