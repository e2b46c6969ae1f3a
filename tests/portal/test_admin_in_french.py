"""Every staff page speaks French: a crawl of the admin with the seed data, as a superuser
and as a Rédacteur, looking for the English words Django and its apps leave behind."""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth.models import User

from portal import staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

# English that Django, simple_history or import-export show when a translation or a label is
# missing; each was seen on a page once. Checked case-sensitively, as whole words.
ENGLISH = [
    "CHANGES",
    "Changes",
    "None",
    "Historical",
    "historical",
    "chars]",
    "Select all",
    "Add another",
    "Save",
    "Delete",
    "History",
    "Change reason",
    "Changed by",
    "Object",
    "object",
    "Revert",
    "Search",
    "Filter",
    "Show all",
    "Today",
    "Now",
    "Choose",
    "Clear",
    "Remove",
    "Unknown",
    "Yes",
    "Can add",
    "Can change",
    "Can delete",
    "Can view",
    "draft",
    "review",
    "published",
    "archived",
    "Mot-clés",
    "Affichage de",
    "1 nouveaux",
    "de initiative",
    "de organisation",
    "de événement",
]
PATTERNS = {word: re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])") for word in ENGLISH}
SKIPPED = ("/admin/logout/", "/admin/password_change/", "/export/", "/import/", "/delete/")


class VisibleText(HTMLParser):
    """Text a person reads: text nodes outside script/style, and title/placeholder/value of
    buttons; links to other admin pages on the side. What a textarea holds is the record's
    content, not the interface: the English summary of the Bassin Minier conference says
    "published" and is right to. So is a read-only field's value (a writer's view of a
    published record)."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden, self._divs = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template", "svg", "textarea"):
            self._hidden += 1
        if tag == "div":
            readonly = "readonly" in (attrs.get("class") or "").split()
            self._divs.append(readonly)
            self._hidden += readonly
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("title", "placeholder", "aria-label"):
            if attrs.get(name):
                self.text.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.text.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "svg", "textarea"):
            self._hidden -= 1
        if tag == "div" and self._divs:
            self._hidden -= self._divs.pop()

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data.strip())


def crawl(client, limit=400):
    """{path: [English words seen]} for every admin page reachable from the index, one
    change page and one history page per model."""
    seen, queue, found, kinds = set(), ["/admin/"], {}, set()
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        text = "\n".join(parser.text)
        words = [word for word, pattern in PATTERNS.items() if pattern.search(text)]
        if words:
            found[path] = words
        for href in parser.links:
            link = urldefrag(href)[0]
            parts = urlsplit(link)
            if parts.netloc or not parts.path.startswith("/admin/"):
                continue
            if any(part in parts.path for part in SKIPPED):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            # One of each kind of page per model: the list, its filters once, a record,
            # its history, a version.
            kind = re.sub(r"/\d+/", "/N/", parts.path) + ("?" if parts.query else "")
            if kind in kinds:
                continue
            kinds.add(kind)
            queue.append(target)
    return found


# Still English, left for later: permission names ("Can add historical initiative") in the
# group and user forms, and the "Historical initiatives" breadcrumb of a history version.
REMAINING = {}  # none left: permissions and versions are named in French (portal.staff)


def new_english(found):
    return {
        path: sorted(set(words) - REMAINING.get(re.sub(r"/\d+/", "/N/", path.split("?")[0]), set()))
        for path, words in found.items()
        if set(words) - REMAINING.get(re.sub(r"/\d+/", "/N/", path.split("?")[0]), set())
    }


def test_the_admin_is_in_french_for_a_superuser(client):
    client.force_login(User.objects.create_superuser("cheffe", password="x" * 12))
    assert new_english(crawl(client)) == {}


def test_the_admin_is_in_french_for_a_writer(client, make_staff):
    client.force_login(make_staff(staff.WRITER))
    assert crawl(client) == {}


def test_the_crawl_sees_english_where_there_is_some():
    parser = VisibleText()
    parser.feed(
        '<th>CHANGES</th><td title="Select all">None</td><script>None</script>'
        '<textarea name="summary_en">The white paper was published</textarea>'
        '<div class="readonly">The white paper was published</div><div>Save</div>'
    )
    text = "\n".join(parser.text)
    assert [w for w, p in PATTERNS.items() if p.search(text)] == [
        "CHANGES",
        "None",
        "Select all",
        "Save",
    ]
