"""The versions kept of a record (initiatives.models.versions.VersionHistory)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.history import version_links
from initiatives.models import Theme

pytestmark = pytest.mark.django_db


def test_a_new_record_s_first_version_has_no_links_and_the_next_ones_copy_them(
    make_initiative, make_territory
):
    theme = Theme.objects.create(name="Thème des versions", slug="theme-versions")
    territory = make_territory()
    with CaptureQueriesContext(connection) as created:
        initiative = make_initiative()
    # Nothing to copy yet: no query reads a link table of the record just inserted.
    assert not [query for query in created if "initiatives_initiative_" in query["sql"]]
    [first] = initiative.history.all()
    assert first.history_type == "+"
    assert not any(version_links(first).values())

    initiative.themes.add(theme)
    initiative.territories.add(territory)
    latest = initiative.history.latest()
    assert latest.history_type == "~"
    links = version_links(latest)
    assert links["themes"] == [theme.pk] and links["territories"] == [territory.pk]

    initiative.title = "Renommée"
    initiative.save()
    renamed = initiative.history.latest()
    assert renamed.title == "Renommée"
    assert version_links(renamed)["themes"] == [theme.pk]
