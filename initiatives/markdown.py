"""Markdown written by staff, rendered to HTML that is safe to show to the public."""

import hashlib
import re

import markdown
import nh3
from django.core.cache import caches
from django.utils.safestring import mark_safe

MARKDOWN_TTL = 24 * 3600

NARROW_NBSP = "\u202f"
# French typography: a narrow no-break space before ; : ! ? » and after «, never a line break.
_SPACE_BEFORE = re.compile(r"[ \u00a0]([;:!?»])")
_AFTER_GUILLEMET = re.compile(r"«[ \u00a0]?")
_STUCK = re.compile(r"(?<=[\w)])([;!?])(?=$|\))")  # "mot;" but not "?x=" or "3:00"
_TAG = re.compile(r"(<[^>]*>|&[#\w]+;)")  # tags and character references stay untouched


def french_spacing(text):
    """Narrow no-break spaces where French wants them, in text only (not in tags, entities or
    URLs)."""
    parts = _TAG.split(text)
    for index in range(0, len(parts), 2):  # even indexes are the text between tags
        segment = _SPACE_BEFORE.sub(NARROW_NBSP + r"\1", parts[index])
        segment = _AFTER_GUILLEMET.sub("«" + NARROW_NBSP, segment)
        parts[index] = " ".join(
            word
            if "://" in word or word.startswith("www.")
            else _STUCK.sub(NARROW_NBSP + r"\1", word)
            for word in segment.split(" ")
        )
    return "".join(parts)


ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "sup", "sub",
    "blockquote", "a", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


def render_markdown(text):
    """Safe HTML of the text; kept in this process's memory under a digest of the text, since
    the same text always gives the same HTML (an edited text has a new digest)."""
    if not text:
        return ""
    key = "markdown:" + hashlib.sha256(text.encode()).hexdigest()
    html = caches["local"].get(key)
    if html is None:
        html = _render(text)
        caches["local"].set(key, html, MARKDOWN_TTL)
    return mark_safe(html)


def _render(text):
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # nh3 has removed every tag, attribute and scheme not listed above.
    return french_spacing(cleaned)
