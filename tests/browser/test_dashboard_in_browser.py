"""A Relecteur opens the staff site and finds, on its home page, what awaits their review: who
submitted it, when, with the comment; the link opens the record. In Chromium, at 1,280 px."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from initiatives.models import Initiative, PublicationState, ReviewStep
from portal import staff
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "un mot de passe assez long"


@pytest.fixture
def review_waiting(demo_site):
    reviewer = User.objects.create_user(
        "relectrice", password=PASSWORD, is_staff=True, first_name="Claire", last_name="Dubois"
    )
    reviewer.groups.add(Group.objects.get(name=staff.REVIEWER))
    writer = User.objects.create_user(
        "redacteur", password=PASSWORD, is_staff=True, first_name="Paul", last_name="Martin"
    )
    writer.groups.add(Group.objects.get(name=staff.WRITER))

    initiative = Initiative.objects.filter(parent__isnull=False).order_by("pk").first()
    initiative.publication_state = PublicationState.REVIEW
    initiative._history_user = writer
    initiative.save()
    ReviewStep.objects.create(
        record=initiative,
        action=ReviewStep.Action.SUBMIT,
        user=writer,
        comment="Trois acteurs ajoutés ; les dates de l’atelier restent à confirmer.",
    )
    # Something in every list, for the screenshot.
    draft = Initiative.objects.exclude(pk=initiative.pk).order_by("pk").first()
    draft.publication_state = PublicationState.DRAFT
    draft._history_user = reviewer
    draft.save()
    Initiative.objects.filter(pk__in=Initiative.objects.order_by("-pk")[:3]).update(
        last_verified=datetime.date.today() - datetime.timedelta(days=800), responsible=reviewer
    )
    return demo_site, initiative


def test_a_reviewer_finds_what_awaits_review_on_the_home_page(
    review_waiting, page, browser_errors, screenshots
):
    site, initiative = review_waiting
    sign_in(page, site, "relectrice", PASSWORD)

    queue = page.locator("#home-review")
    expect(queue.get_by_role("heading")).to_contain_text("À relire")
    entry = queue.locator("li").filter(has_text=initiative.title)
    expect(entry).to_contain_text("Soumission par Paul Martin le ")
    expect(entry).to_contain_text("les dates de l’atelier restent à confirmer")
    expect(page.locator("#home-overdue")).to_contain_text("sous votre responsabilité")
    page.screenshot(path=screenshots / "admin-home-1280.png", full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    entry.get_by_role("link", name=initiative.title).click()

    expect(page).to_have_url(f"{site}/admin/initiatives/initiative/{initiative.pk}/change/")
    expect(page.locator("#id_title")).to_have_value(initiative.title)
    assert browser_errors == []
