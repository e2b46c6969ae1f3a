"""The review journey in Chromium: a Rédacteur creates an initiative with an actor and submits it
with a comment; a Relecteur asks for changes from the record's form; the Rédacteur submits
again; the Relecteur publishes it together with its draft organisation."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from actors.models import Organisation
from initiatives.models import Initiative, PublicationState, ReviewStep
from portal import staff
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "un mot de passe assez long"


@pytest.fixture
def review_site(live_server):
    for name, group in (("redactrice", staff.WRITER), ("relecteur", staff.REVIEWER)):
        user = User.objects.create_user(
            name, email=f"{name}@example.org", password=PASSWORD, is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
    organisation = Organisation.objects.create(
        name="Collectif des ateliers",
        slug="collectif-des-ateliers",
        kind=Organisation.Kind.ASSOCIATION,
        publication_state=PublicationState.DRAFT,
    )
    return live_server.url, organisation


def log_in(browser, site, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.location["url"].endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, site, username, PASSWORD)
    expect(page.locator("#user-tools")).to_be_visible()
    return page, errors


def take_step(page, label, comment):
    action = page.locator("details.workflow-action").filter(has_text=label)
    action.locator("summary").click()
    action.locator("textarea").fill(comment)
    action.get_by_role("button", name=label).click()


def test_a_record_goes_through_review_with_comments_and_is_published_with_its_actor(
    review_site, browser, screenshots
):
    site, organisation = review_site

    writer, writer_errors = log_in(browser, site, "redactrice")
    writer.goto(f"{site}/admin/initiatives/initiative/add/")
    writer.fill("#id_title", "Atelier vélo de Lens")
    writer.press("#id_title", "Tab")
    expect(writer.locator("#id_slug")).to_have_value("atelier-velo-de-lens")
    writer.select_option("#id_kind", "project")
    involvements = writer.locator("#involvements-group")
    involvements.locator(".add-row a").click()
    writer.select_option("#id_involvements-0-role", "pilot")
    involvements.locator(
        "[aria-labelledby=select2-id_involvements-0-organisation-container]"
    ).click()
    writer.locator(".select2-search--dropdown .select2-search__field").fill("ateliers")
    writer.locator(".select2-results__option").filter(has_text="Collectif des ateliers").click()
    writer.click("input[name=_continue]")
    expect(writer.locator(".messagelist .success")).to_be_visible()
    initiative = Initiative.objects.get(slug="atelier-velo-de-lens")
    assert initiative.involvements.get().organisation == organisation
    assert writer.locator("select#id_publication_state").count() == 0

    take_step(writer, "Soumettre à la relecture", "Première version, avec le pilote.")
    expect(writer.locator(".messagelist .success")).to_contain_text("envoyée en relecture")
    expect(writer.locator(".workflow-steps")).to_contain_text("Première version, avec le pilote.")
    writer.screenshot(path=screenshots / "admin-review-submitted.png", full_page=True)

    reviewer, reviewer_errors = log_in(browser, site, "relecteur")
    change_url = f"{site}/admin/initiatives/initiative/{initiative.pk}/change/"
    reviewer.goto(change_url)
    expect(reviewer.locator(".workflow-state")).to_contain_text("En relecture")
    take_step(reviewer, "Demander des modifications", "Ajoutez la date de début, svp.")
    expect(reviewer.locator(".workflow-state")).to_contain_text("Brouillon")

    writer.goto(change_url)
    expect(writer.locator(".workflow-steps")).to_contain_text("Ajoutez la date de début, svp.")
    expect(writer.locator(".workflow-steps")).to_contain_text("à redactrice")
    writer.fill("#id_start", "2024")
    writer.click("input[name=_continue]")
    take_step(writer, "Soumettre à la relecture", "Date ajoutée.")
    expect(writer.locator(".workflow-state")).to_contain_text("En relecture")

    reviewer.goto(change_url)
    take_step(reviewer, "Publier", "Bon pour publication.")
    # The publication check: the draft organisation, offered for publication with it.
    linked = reviewer.get_by_label("Organisation « Collectif des ateliers » (brouillon)")
    expect(linked).to_be_checked()
    expect(reviewer.locator("#workflow-comment")).to_have_value("Bon pour publication.")
    reviewer.screenshot(path=screenshots / "admin-review-publication-check.png", full_page=True)
    reviewer.locator(".submit-row input[type=submit]").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("Publiées avec elle")
    expect(reviewer.locator(".workflow-state")).to_contain_text("Publié")

    initiative.refresh_from_db()
    organisation.refresh_from_db()
    assert initiative.is_public
    assert organisation.publication_state == PublicationState.PUBLISHED
    assert list(ReviewStep.objects.of(initiative).values_list("action", "comment")) == [
        ("publish", "Bon pour publication."),
        ("submit", "Date ajoutée."),
        ("request_changes", "Ajoutez la date de début, svp."),
        ("submit", "Première version, avec le pilote."),
    ]
    assert writer_errors == [] and reviewer_errors == []
