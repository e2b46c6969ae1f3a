from django import template
from django.template.defaultfilters import truncatewords
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from initiatives.templatetags.registre import fr_text
from portal.templatetags.languages import content_lang

register = template.Library()

SUMMARY_WORDS = 40


@register.simple_tag
def result_items(initiatives):
    """The index's results, one list item each. Written here rather than in the template: the
    template language took a tenth of a never-seen index page's time to write twenty items."""
    within = gettext("dans")
    return mark_safe("".join(_item(initiative, within) for initiative in initiatives))


def _item(initiative, within):
    meta = f"{conditional_escape(initiative.get_kind_display())} · "
    meta += conditional_escape(initiative.get_status_display())
    if period := initiative.period:
        meta += f"\n          · {conditional_escape(period)}"
    if parent := initiative.parent:
        meta += (
            f'\n          · {within} <a href="{conditional_escape(parent.get_absolute_url())}"'
            f"{content_lang(parent, 'title')}>{conditional_escape(parent.title_i18n)}</a>"
        )
    summary = ""
    if text := initiative.summary_i18n:
        summary = (
            f"\n        <p{content_lang(initiative, 'summary')}>"
            f"{fr_text(truncatewords(text, SUMMARY_WORDS))}</p>"
        )
    return (
        '\n      <li class="result">\n        <h3 class="result__title">'
        f'<a href="{conditional_escape(initiative.get_absolute_url())}"'
        f"{content_lang(initiative, 'title')}>{fr_text(initiative.title_i18n)}</a></h3>"
        f'\n        <p class="card__meta">\n          {meta}\n        </p>{summary}\n      </li>'
    )
