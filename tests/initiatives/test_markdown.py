import json
from html import unescape
from importlib import import_module
from pathlib import Path

import pytest
from django.db import connection
from django.utils.html import strip_tags
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from actors.models import Involvement
from initiatives.markdown import render_markdown
from initiatives.templatetags.registre import fr_number
from initiatives.typography import NARROW_NBSP, french_spacing


def test_markdown_keeps_structure_and_drops_scripts():
    html = render_markdown("### Objectifs\n\n- **un**\n- deux\n\n<script>alert(1)</script>")
    assert "<h3>Objectifs</h3>" in html and "<strong>un</strong>" in html
    assert "<script" not in html


@pytest.mark.parametrize(
    "payload",
    [
        "[x](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src='https://example.org'></iframe>",
        "<svg onload=alert(1)>",
    ],
)
def test_markdown_neutralises_xss(payload):
    html = render_markdown(payload)
    assert "javascript:" not in html and "onerror" not in html and "onclick" not in html
    assert "<iframe" not in html and "<svg" not in html and "onload" not in html


def test_french_spacing_before_double_punctuation_and_inside_guillemets():
    text = french_spacing("Objectifs : agir ; « Économie » ! Quoi?")
    assert text == (
        f"Objectifs{NARROW_NBSP}: agir{NARROW_NBSP}; «{NARROW_NBSP}Économie{NARROW_NBSP}»"
        f"{NARROW_NBSP}! Quoi{NARROW_NBSP}?"
    )


def test_french_spacing_leaves_character_references_alone():
    assert french_spacing("a &lt;b&gt; &amp; &#x27;c&#x27; &quot;d&quot;") == (
        "a &lt;b&gt; &amp; &#x27;c&#x27; &quot;d&quot;"
    )
    assert french_spacing("&lt;x&gt; : y") == f"&lt;x&gt;{NARROW_NBSP}: y"


def test_french_spacing_leaves_urls_and_attributes_alone():
    html = '<a href="http://a.fr/?x=1;y=2">http://a.fr/?q=1</a> www.dechets.picardie.fr'
    assert french_spacing(html) == html


def test_numbers_are_grouped_the_french_way():
    assert fr_number(37000) == "37\u00a0000"
    assert fr_number("340000.00") == "340\u00a0000"
    assert fr_number(-15) == "-15"
    assert fr_number("2.50") == "2,5"


@pytest.mark.django_db
def test_pages_are_french_whatever_the_browser_asks(client, make_initiative):
    initiative = make_initiative(summary="Un résumé")
    html = client.get(initiative.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-US,en").content
    assert '<html lang="fr">' in html.decode()
    month = initiative.updated_at.strftime("%m")
    french_months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                     "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    assert french_months[int(month) - 1] in html.decode()


@pytest.mark.django_db
def test_actors_are_grouped_by_role_in_a_meaningful_order(
    client, make_initiative, make_organisation
):
    initiative = make_initiative()
    for role, name in [("author", "Auteur"), ("funder", "Financeur"), ("pilot", "Pilote")]:
        Involvement.objects.create(
            initiative=initiative, organisation=make_organisation(name), role=role
        )
    roles = list(client.get(initiative.get_absolute_url()).context["roles"])
    assert roles == ["Pilote", "Financeur", "Auteur de la fiche"]


# The plain text of Markdown, kept by PostgreSQL for the search excerpts ----------------------

MARKDOWN_SAMPLES = [
    "### Rétrospective sur l’action, par Eric Kniaz\n\n*Eric Kniaz, manager territorial.*",
    "> Un **petit** point : j’ai _rejoint_ la direction.\n>\n> > En 2003, la région…",
    '- [Le site](https://example.org/a_b "titre") et ![logo](logo.png)\n- deux\n\n1. un\n2. deux',
    "| Année | Fait |\n|---|:-:|\n| 2013 | Club Noé |",
    "snake_case, 5 * 3, `code`, \\*pas\\* et a &amp; b &lt;x&gt;\n\n---\n\nSous-titre\n===",
    "Lien <https://example.org> et [référence][1].\n\n[1]: https://example.org/ref",
    "```python\nx = 1\n```\n\n## Fin ##",
]


def seed_markdown():
    """The Markdown of the demo fixtures: what the registry's writers really use."""
    rows = json.loads((Path(__file__).parents[2] / "fixtures" / "03_initiatives.json").read_text())
    texts = [row["fields"].get(name, "") for row in rows for name in ("body", "objectives")]
    return [text for text in texts if text]


def shown_text(markdown):
    """The characters the rendered page shows, spaces aside."""
    return "".join(unescape(strip_tags(render_markdown(markdown))).split())


@pytest.mark.django_db
@pytest.mark.parametrize("markdown", MARKDOWN_SAMPLES + seed_markdown())
def test_plain_text_is_the_text_the_page_shows(markdown, make_initiative):
    initiative = make_initiative(body=markdown)
    assert "".join(initiative.plain_text.split()) == shown_text(markdown)


@pytest.mark.django_db
def test_plain_text_joins_summary_objectives_and_body_and_follows_updates(make_initiative):
    initiative = make_initiative(summary="Résumé *brut*.", objectives="- **Agir**")
    assert initiative.plain_text == "Résumé *brut*.\n\nAgir"  # the summary is not Markdown
    type(initiative).objects.filter(pk=initiative.pk).update(body="## Suite\n\n_Fin_")
    initiative.refresh_from_db()
    assert initiative.plain_text == "Résumé *brut*.\n\nAgir\n\nSuite\n\nFin"


# Migration 0023 makes the function cheaper, never different: compared with 0018's, kept in the
# test under another name, on the seed texts and on text made of Markdown's marks.

FIRST = import_module("initiatives.migrations.0018_plain_text_for_search_excerpts")


@pytest.fixture
def first_markdown_text(db):
    """The function as migration 0018 created it, as registre_markdown_text_0018."""
    created = FIRST.MARKDOWN_TEXT_FUNCTION.split("$$;")[0] + "$$;"
    renamed = created.replace("registre_markdown_text(", "registre_markdown_text_0018(")
    assert renamed.count("registre_markdown_text_0018(") == 1
    with connection.cursor() as cursor:
        cursor.execute(renamed)


def both(texts):
    """(today's plain text, 0018's) of each text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT registre_markdown_text(value), registre_markdown_text_0018(value)"
            " FROM unnest(%s::text[]) WITH ORDINALITY AS texts(value, position)"
            " ORDER BY position",
            [list(texts)],
        )
        return cursor.fetchall()


CHARS = "\n\r\t !\"#&'()*+-.0123456789:<=>[\\]^_`{|}~aZéœ’«»\u00a0\u202f"
TOKENS = [
    *CHARS,
    "\r\n", "  ", "    ", "\n\n", "\n\n\n", " \n", "\t\n", "# ", "### ", "####### ", " ##",
    "> ", "> > ", "- ", "* ", "+ ", "1. ", "12) ", "---", "***", "_ _ _", "===", "```", "~~~",
    "| a | b |", "|---|:-:|", ":--", "--:", "**", "__", "***", "``", "[x](https://a.fr/b_c)",
    "![logo](logo.png)", "![a] [b]", "[^1]", "[^note]: ", "[1]: https://a.fr", "[a][1]",
    "[a] [b]", "<https://a.fr>", "<mailto:a@b.fr>", "<b>", "</em>", "<br/>", "&amp;",
    "&lt;", "&gt;", "&nbsp;", "&quot;", "&#39;", "&#x27;", "\\*", "\\_", "\\|", "\\#", "\\`",
    "\\.", "\\!", "\\+", "\\(", "\\{", "\\\\",
    "Titre", "snake_case", "Hauts-de-France", "mi-mandat", "2013.", "5 * 3", "a_b",
]  # fmt: skip
MARKDOWNISH = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(CHARS, max_size=4)),
    max_size=40,
).map("".join)
SEEDS = st.sampled_from(MARKDOWN_SAMPLES + seed_markdown())


@st.composite
def plain_with_a_mark(draw):
    """Text without Markdown but for one or two marks: where a skipped step would show."""
    text = draw(st.text("aZé’« \n\t07.,;?!()'", max_size=30))
    for _ in range(draw(st.integers(1, 2))):
        # Most marks count only at the start of a line, or on a line of their own.
        at = draw(st.one_of(st.just(0), st.integers(0, len(text))))
        mark = draw(st.sampled_from(TOKENS)) + draw(st.sampled_from(["", "\n", " a\n"]))
        text = text[:at] + mark + text[at:]
    return text


@st.composite
def seed_with_marks(draw):
    """A seed text with Markdown-ish text put in at two places, what lies between dropped."""
    text = draw(SEEDS)
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text[:start] + draw(MARKDOWNISH) + text[end:] + draw(MARKDOWNISH)


def test_plain_text_of_the_seed_texts_is_0018s(first_markdown_text):
    texts = MARKDOWN_SAMPLES + seed_markdown()
    texts += [text.replace("\n", "\r\n") for text in texts]
    pairs = both(texts)
    assert [new for new, _ in pairs] == [first for _, first in pairs]


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texts=st.lists(
        st.one_of(MARKDOWNISH, plain_with_a_mark(), seed_with_marks()), min_size=1, max_size=8
    )
)
@example(texts=["", " ", "\r", "1. un", "+ un", "# Un", "a\n---", "a  \n\n\n\nb\t", "&amp;lt;"])
def test_plain_text_of_any_markdown_is_0018s(first_markdown_text, texts):
    pairs = both(texts)
    assert [new for new, _ in pairs] == [first for _, first in pairs]
