"""Markdown written by staff, rendered to HTML that is safe to show to the public."""

import hashlib

import markdown
import nh3
from django.core.cache import caches
from django.utils.safestring import mark_safe

from initiatives.typography import french_spacing

MARKDOWN_TTL = 24 * 3600

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
