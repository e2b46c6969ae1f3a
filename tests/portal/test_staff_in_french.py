"""What staff read about records they did not type: versions of loaded data, permission and
history names."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from actors.models import Organisation
from initiatives.models import Initiative

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_every_loaded_record_starts_with_its_creation():
    for model in (Initiative, Organisation):
        for record in model.objects.all():
            first = record.history.order_by("history_date", "history_id").first()
            assert first is not None and first.history_type == "+", record


def test_the_history_of_a_loaded_record_shows_its_creation_not_a_change_from_nothing(
    admin_client,
):
    initiative = Initiative.objects.get(acronym="TESR")
    page = admin_client.get(
        reverse("admin:initiatives_initiative_history", args=[initiative.pk])
    ).content.decode()
    assert "Création" in page
    assert "—&nbsp;&rarr;" not in page and "— →" not in page


def test_permissions_and_versions_are_named_in_french():
    assert not Permission.objects.filter(name__startswith="Can ").exists()
    assert (
        Permission.objects.get(codename="view_initiative").name
        == "Peut voir «\u202finitiative\u202f»"
    )
    assert Initiative.history.model._meta.verbose_name == "version d’initiative"
