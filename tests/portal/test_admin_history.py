"""The admin history: reverting works, restores a version's links, and the timeline reads well."""

import pytest
from django.test import Client
from django.urls import reverse

from initiatives.models import (
    ActivityType,
    Document,
    Event,
    KeyFigure,
    Keyword,
    Milestone,
    SourceCitation,
    Theme,
)
from portal import staff
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def revert_url(record, version):
    opts = record._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[record.pk, version.history_id],
    )


def history_url(record):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.pk])


def make_links(number):
    from initiatives.models import Territory

    return {
        "themes": [Theme.objects.create(name=f"Thème {number}", slug=f"theme-{number}")],
        "territories": [
            Territory.objects.create(
                name=f"Commune {number}", slug=f"commune-{number}", kind=Territory.Kind.COMMUNE
            )
        ],
        "keywords": [Keyword.objects.create(label=f"mot {number}", slug=f"mot-{number}")],
        "documents": [
            Document.objects.create(
                title=f"Document {number}", slug=f"document-{number}", kind=Document.Kind.STUDY
            )
        ],
        "activity_types": [
            ActivityType.objects.create(name=f"Métier {number}", slug=f"metier-{number}")
        ],
    }


def link(initiative, links):
    for name, rows in links.items():
        getattr(initiative, name).set(rows)


@pytest.mark.django_db(transaction=True)
def test_revert_from_the_history_saves_instead_of_answering_503(make_initiative, make_staff):
    # No test transaction around the request here: the admin's own transaction is the only one,
    # as in production, where the revert answered 503 (select_for_update outside a transaction).
    initiative = make_initiative("Titre d'origine")
    version = initiative.history.latest()
    initiative.title = "Titre changé"
    initiative.save()
    client = Client(raise_request_exception=False)
    client.force_login(make_staff(staff.REVIEWER))
    url = revert_url(initiative, version)

    response = client.post(url, change_form_data(client.get(url)))

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Titre d'origine"


def test_revert_restores_the_links_the_version_had(client, reviewer, make_initiative):
    initiative = make_initiative("Fiche liée")
    before, after = make_links(1), make_links(2)
    link(initiative, before)
    version = initiative.history.latest()
    link(initiative, after)
    client.force_login(reviewer)
    url = revert_url(initiative, version)

    form_page = client.get(url)
    form = form_page.context["adminform"].form
    for name, rows in before.items():
        assert list(form[name].value()) == [row.pk for row in rows], name  # shown before saving
    response = client.post(url, change_form_data(form_page))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:initiatives_initiative_change", args=[initiative.pk]
    )
    for name, rows in before.items():
        assert list(getattr(initiative, name).all()) == rows, name
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("a été rétablie" in message for message in messages)


def test_revert_of_a_document_restores_its_keywords(client, reviewer):
    document = Document.objects.create(title="Étude", slug="etude", kind=Document.Kind.STUDY)
    old, new = (Keyword.objects.create(label=w, slug=w) for w in ("eau", "air"))
    document.keywords.set([old])
    version = document.history.latest()
    document.keywords.set([new])
    client.force_login(reviewer)
    url = revert_url(document, version)
    data = change_form_data(client.get(url))
    data.pop("file")  # no file: nothing to upload
    assert client.post(url, data).status_code == 302
    assert list(document.keywords.all()) == [old]


def test_the_history_of_an_initiative_shows_its_parts_with_labels(
    client, reviewer, make_initiative, make_organisation
):
    from actors.models import Funding, Involvement

    initiative = make_initiative("Fiche et ses parties")
    event = Event.objects.create(initiative=initiative, title="Atelier mobilité", kind="workshop")
    event.status, event.venue = Event.Status.HELD, "Salle des fêtes"
    event.save()
    Milestone.objects.create(initiative=initiative, date="2019", title="Lancement")
    KeyFigure.objects.create(initiative=initiative, value=12, unit="emplois", label="créés")
    organisation = make_organisation("Atemis")
    Involvement.objects.create(initiative=initiative, organisation=organisation, role="pilot")
    Funding.objects.create(initiative=initiative, beneficiary=organisation, status="funded")
    document = Document.objects.create(title="Bilan", slug="bilan", kind=Document.Kind.REPORT)
    SourceCitation.objects.create(subject=initiative, document=document)
    event.delete()
    client.force_login(reviewer)

    page = client.get(history_url(initiative)).content.decode()

    for expected in (
        "Événement « Atelier mobilité »",
        "Statut&#8239;:</strong>\n                  Prévu&nbsp;&rarr;&nbsp;Tenu",
        "Lieu (précision)",
        "Suppression",
        "Jalon « Lancement »",
        "Chiffre clé « créés »",
        "Implication « Atemis, pilote »",
        "Financement « Atemis, financé »",
        "Source « Bilan »",
        "Revenir à cette version",
    ):
        assert expected in page, expected
    assert "None" not in page and "held" not in page and "workshop" not in page
