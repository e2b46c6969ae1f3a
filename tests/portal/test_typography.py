"""Every public page of the demo data reads as French should: a narrow no-break space before
; : ! ? and inside « », "1er" for the first of a month, no word printed twice ("9 opérations
opérations"), and no number that can break across lines ("100 000").

The pages are those of the sitemap, the index, filter, search and agenda pages, and every page
they link to (without its query string), in each language of LANGUAGE_PREFIXES.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse

from initiatives.models import Territory, Theme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

# "" is the French site; add "/en" once the English interface serves its pages there.
LANGUAGE_PREFIXES = ["", "/en"]

MONTHS = (
    "janvier|janv\\.|février|févr\\.|mars|avril|avr\\.|mai|juin|juillet|juil\\.|août|"
    "septembre|sept\\.|octobre|oct\\.|novembre|nov\\.|décembre|déc\\."
)
RULES = {
    "espace ordinaire devant : ; ! ? ou dans « »": re.compile(r" [:;!?»](?![\w=&/])|« "),
    "« 1 » au lieu de « 1er » devant un mois": re.compile(
        rf"(?<![\w,.])1[ \u00a0\u202f](?:{MONTHS})(?!\w)", re.IGNORECASE
    ),
    "mot répété": re.compile(r"\b([^\W\d_]{2,})[ \u00a0\u202f]+\1\b", re.IGNORECASE),
    "nombre sécable": re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?!\d)"),
}
# Words French does repeat: "nous nous sommes", "vous vous".
ALLOWED_REPEATS = {"nous", "vous"}

# Inline elements run on into their neighbours' text; any other tag ends a run of text.
INLINE = {
    "a", "abbr", "b", "bdi", "cite", "code", "data", "em", "i", "kbd", "label", "mark", "q",
    "s", "small", "span", "strong", "sub", "sup", "time", "u",
}  # fmt: skip
INVISIBLE = {"script", "style", "template", "noscript", "svg"}
_SPACES = re.compile(r"[ \t\n\r\f]+")  # HTML white space: never the no-break ones


class VisibleText(HTMLParser):
    """The text a reader sees, in runs: a paragraph, a list item, a heading, the title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.runs, self._current, self._hidden = [], [], 0

    def _end_run(self):
        text = _SPACES.sub(" ", "".join(self._current)).strip()
        if text:
            self.runs.append(text)
        self._current = []

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE:
            self._hidden += 1
        elif tag not in INLINE:
            self._end_run()

    def handle_endtag(self, tag):
        if tag in INVISIBLE:
            self._hidden = max(0, self._hidden - 1)
        elif tag not in INLINE:
            self._end_run()

    def handle_data(self, data):
        if not self._hidden:
            self._current.append(data)

    def close(self):
        super().close()
        self._end_run()
        return self.runs


def visible_runs(html):
    parser = VisibleText()
    parser.feed(html)
    return parser.close()


def slips(html):
    """(rule, the run of text) for each slip on the page."""
    found = []
    for run in visible_runs(html):
        for rule, pattern in RULES.items():
            for match in pattern.finditer(run):
                if rule == "mot répété" and match.group(1).lower() in ALLOWED_REPEATS:
                    continue
                start = max(0, match.start() - 40)
                found.append((rule, run[start : match.end() + 40]))
    return found


# Pages with a query string are not followed from links (the facets alone would make
# thousands): these are the ones worth reading.
def query_pages():
    region = Territory.objects.filter(kind=Territory.Kind.REGION).first()
    theme = Theme.objects.filter(parent=None).first()
    return [
        f"{reverse('initiative_index')}?thematique={theme.slug}",
        f"{reverse('initiative_index')}?thematique={theme.slug}&territoire={region.slug}",
        f"{reverse('initiative_index')}?statut=done&tri=titre",
        f"{reverse('initiative_index')}?de=2010&a=2015",
        f"{reverse('initiative_index')}?de=abc",  # a filter error is French too
        f"{reverse('initiative_index')}?q=aucun-resultat-possible",
        f"{reverse('search')}?q=économie+circulaire",
        f"{reverse('search')}?q=Club+Noé",
        f"{reverse('search')}?q=economie+circulere",  # the suggestion
        f"{reverse('search')}?q=zzzzqqq",
        f"{reverse('initiatives:documents')}?type=report",
        f"{reverse('initiative_embed_builder')}?thematique={theme.slug}",
        f"{reverse('initiative_embed')}?thematique={theme.slug}",
        f"{reverse('alert_subscribe')}?thematique={theme.slug}",
        reverse("api"),
    ]


def sitemap_paths(client):
    index = client.get(reverse("sitemap")).content.decode()
    paths = []
    for section in re.findall(r"<loc>([^<]+)</loc>", index):
        body = client.get(urlsplit(section).path + "?" + urlsplit(section).query).content
        paths += [urlsplit(url).path for url in re.findall(r"<loc>([^<]+)</loc>", body.decode())]
    return paths


# Not pages: the admin, the API's answers (its own page /api/ is one), feeds, files.
SKIPPED = re.compile(
    r"^/(admin|flux|donnees|static|media)/|^/(api|alertes)/.|/fichier/$|^/sitemap|^/robots"
    r"|\.(atom|ics|xml|json|jsonld|csv|xlsx|geojson)$"
)


def internal_links(html):
    for href in re.findall(r'href="([^"#?]*)', html):
        if href.startswith("/") and not href.startswith("//") and not SKIPPED.search(href):
            yield href


def has_language_prefix(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def walk(client, prefix):
    """{path: slips} for every public page reached; a page that does not answer 200 is one."""
    seen, problems = set(), {}
    asked = query_pages()  # a filter error answers 400, with its page
    queue = [*sitemap_paths(client), *asked]
    while queue:
        path = queue.pop(0)
        if path in seen or SKIPPED.search(path.split("?")[0]):
            continue
        seen.add(path)
        if prefix and not has_language_prefix(prefix + path.split("?")[0]):
            continue  # a page with one address only (the API's): French, walked without prefix
        response = client.get(prefix + path)
        if response.status_code != 200 and not (path in asked and response.status_code == 400):
            problems[path] = [("réponse", str(response.status_code))]
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        if found := slips(html):
            problems[path] = found
        queue += [link.removeprefix(prefix) for link in internal_links(html)]
    return seen, problems


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES)
def test_every_public_page_reads_right(client, prefix):
    seen, problems = walk(client, prefix)
    assert len(seen) > 60  # the walk did reach the records, not only the home page
    report = "\n".join(
        f"{path}\n" + "\n".join(f"    {rule} : …{text}…" for rule, text in found)
        for path, found in problems.items()
    )
    assert not problems, f"{len(problems)} page(s) sur {len(seen)}\n{report}"


@pytest.mark.parametrize("template", ["404.html", "500.html", "503.html"])
def test_error_pages_read_right(rf, template):
    html = render_to_string(template, request=rf.get("/"))
    assert slips(html) == []


def test_the_rules_catch_each_slip():
    html = (
        "<title>Recherche : x</title><p>Exporter ces résultats :</p>"
        "<p>le 1 novembre 2026</p><p><strong>9 opérations</strong> opérations de</p>"
        "<p>Plan « 100 000 » logements</p><script>a ? b : c</script>"
    )
    assert [rule for rule, _ in slips(html)] == [
        "espace ordinaire devant : ; ! ? ou dans « »",
        "espace ordinaire devant : ; ! ? ou dans « »",
        "« 1 » au lieu de « 1er » devant un mois",
        "mot répété",
        "espace ordinaire devant : ; ! ? ou dans « »",  # after «
        "espace ordinaire devant : ; ! ? ou dans « »",  # before »
        "nombre sécable",
    ]
    good = (
        "<p>Accessibilité\u202f: partiellement conforme</p><p>le 1er novembre 2026, le 21 mars</p>"
        "<p><strong>9</strong> opérations de développement</p><p>nous nous sommes vus</p>"
        "<p>Plan «\u202f100\u202f000\u202f» logements, en 2009 120 entreprises</p>"
        "<li>Page 1</li><li>2</li>"
    )
    assert slips(good) == []


def page_text(client, url):
    return " ".join(visible_runs(client.get(url).content.decode()))


def test_words_agree_with_their_noun_on_the_demo_pages(client):
    assert "Fusionnée dans\u202f: Hauts-de-France" in page_text(client, "/territoires/picardie/")
    assert "Issus de\u202f: Nord-Pas-de-Calais, Picardie" in page_text(
        client, "/territoires/hauts-de-france/"
    )
    club = page_text(client, "/initiatives/club-noe/")
    assert "Membres fondateurs" in club and "Membre fondateurs" not in club
    tesr = page_text(client, "/initiatives/transformation-ecologique-et-sociale-de-la-region/")
    assert "9 opérations de développement" in tesr
    assert "plus de 200 parties prenantes des opérations" in tesr
