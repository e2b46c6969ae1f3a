"""XSS payloads in every text field staff can fill never execute on a public page."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from actors.models import Affiliation, Funding, Involvement
from initiatives.models import Document, Event, KeyFigure, Keyword, Milestone, Theme

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
    "[cliquer](javascript:alert(1))",
    '<a href="javascript:alert(1)">lien</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>alert(1)//<</script>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<body onload=alert(1)>",
    "';alert(1)//",
]
DANGEROUS_TAGS = {"iframe", "svg", "object", "embed", "frame", "base"}
OUR_PICTURES = ("chart__", "network__", "map")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class ExecutableFinder(HTMLParser):
    """What a browser would run in a page, from the parsed markup (not from escaped text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        own_script = (attributes.get("src") or "").startswith("/static/")
        data_block = attributes.get("type") == "application/ld+json"  # never executed
        if tag == "script" and not (own_script or data_block):
            self.found.append("inline <script>")
        # Our own pictures (timelines, networks, maps) are SVG with our classes; a payload's
        # <svg> with any attribute that runs code is still caught below.
        own_picture = tag == "svg" and (attributes.get("class") or "").startswith(OUR_PICTURES)
        if tag in DANGEROUS_TAGS and not own_picture:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            squeezed = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.found.append(f"{name}={value!r} on <{tag}>")


def executable(html):
    finder = ExecutableFinder()
    finder.feed(html)
    # A data block must hold JSON only: "</script" inside it would end it early.
    for block in html.split('<script type="application/ld+json">')[1:]:
        if "<" in block.split("</script>", 1)[0]:
            finder.found.append("markup inside a JSON-LD block")
    return finder.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_executes_on_any_public_page(
    client, payload, make_initiative, make_organisation, make_person, make_territory
):
    text = f"Bassin Minier {payload} économie"
    territory = make_territory(text, description=text)
    theme = Theme.objects.create(name=text, slug="theme-xss", description=text)
    initiative = make_initiative(
        text, summary=text, body=text, objectives=text, acronym="X", website="https://example.org"
    )
    initiative.territories.add(territory)
    initiative.themes.add(theme)
    child = make_initiative(text, parent=initiative, summary=text)
    Milestone.objects.create(initiative=initiative, date="2016", title=text, text=text)
    event = Event.objects.create(
        initiative=initiative, title=text, kind="workshop", description=text, venue=text,
        territory=territory, date_note=text,
    )  # fmt: skip
    KeyFigure.objects.create(initiative=initiative, value=1, unit=text[:60], label=text)
    organisation = make_organisation(text, description=text, acronym="XSS")
    organisation.organised_events.add(event)
    person = make_person(text[:100], first_name="Eva", biography=text)
    Involvement.objects.create(
        initiative=initiative, organisation=organisation, role="pilot", note=text
    )
    Involvement.objects.create(initiative=initiative, person=person, role="contact", note=text)
    Affiliation.objects.create(person=person, organisation=organisation, job_title=text)
    Funding.objects.create(
        initiative=initiative, beneficiary=organisation, status="funded", note=text
    )
    keyword = Keyword.objects.create(label=text, slug="mot-xss")
    document = Document.objects.create(
        title=text, slug="doc-xss", kind="report", authors=text, summary=text,
        bibliographic_note=text, publication_state="published",
    )  # fmt: skip
    document.keywords.add(keyword)
    initiative.documents.add(document)

    urls = [
        "/",
        initiative.get_absolute_url(),
        child.get_absolute_url(),
        organisation.get_absolute_url(),
        person.get_absolute_url(),
        territory.get_absolute_url(),
        reverse("initiatives:theme", args=[theme.slug]),
        document.get_absolute_url(),
        reverse("initiative_index"),
        reverse("initiative_index") + f"?territoire={territory.slug}",
        reverse("search") + "?q=bassin",
        reverse("search") + "?q=" + payload,
        reverse("actors:index"),
        reverse("initiatives:territories"),
        reverse("initiatives:themes"),
        reverse("initiatives:agenda"),
        reverse("initiatives:documents"),
        reverse("legal", args=["plan-du-site"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400), url
        html = response.content.decode()
        assert "Bassin Minier" in html or url.startswith("/recherche/?q=") or url == "/", url
        assert executable(html) == [], (url, executable(html))


def test_the_detector_itself_catches_a_script():
    assert executable('<p><img src=x onerror="alert(1)"></p>')
    assert executable("<script>alert(1)</script>")
    assert executable('<a href="javascript:alert(1)">x</a>')
    assert not executable('<script src="/static/js/filters.js" defer></script>')
