from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from initiatives.numbers import french_number

register = template.Library()


@register.simple_tag
def facet_options(facet):
    """The options of a facet as nested lists of checkboxes. Written here rather than as a
    recursive template: a tree of territories at a million initiatives is hundreds of
    options, and the template language took longer to render them than the index took to
    count them."""
    words = {
        "more": (
            gettext("Sous-territoires")
            if facet.name == "territoire"
            else gettext("Sous-thématiques")
        ),
        "of": gettext("de %(label)s"),
        "map": gettext('Les voir sur la carte<span class="visually-hidden"> (%(label)s)</span>'),
    }
    parts = []
    _options(parts, facet.options, conditional_escape(facet.name), facet.open_depth, words)
    return mark_safe("".join(parts))


def _options(parts, options, name, open_depth, words):
    parts.append('<ul class="options">')
    for option in options:
        value, label = conditional_escape(option.value), conditional_escape(option.label)
        checked = " checked" if option.selected else ""
        parts.append(
            f'\n  <li>\n    <input type="checkbox" name="{name}" value="{value}" '
            f'id="f-{name}-{value}"{checked}>\n    <label for="f-{name}-{value}">{label} '
            f'<span class="options__count">({french_number(option.count)})</span></label>'
        )
        if option.children or option.more:
            unfolded = " open" if option.open or option.depth < open_depth else ""
            shown = french_number(len(option.children) + option.more)
            parts.append(
                f'\n    <details class="options__more"{unfolded}>\n      <summary>'
                f'{words["more"]}<span class="visually-hidden"> '
                f"{words['of'] % {'label': label}}</span> ({shown})</summary>\n      "
            )
            if option.children:
                _options(parts, option.children, name, open_depth, words)
            if option.more:
                _rest(parts, option, label, words)
            parts.append("\n    </details>")
        parts.append("\n  </li>")
    parts.append("\n</ul>")


def _rest(parts, option, label, words):
    number = french_number(option.more)
    rest = ngettext(
        "Et %(number)s autre, avec moins de résultats.",
        "Et %(number)s autres, avec moins de résultats.",
        option.more,
    )
    parts.append(f'\n      <p class="options__rest">{rest % {"number": number}}')
    if option.more_url:
        link = words["map"] % {"label": label}
        parts.append(f' <a href="{conditional_escape(option.more_url)}">{link}</a>')
    parts.append("</p>")
