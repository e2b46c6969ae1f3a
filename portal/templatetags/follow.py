from django import template

from portal.catalogue.discovery import followed_query

register = template.Library()


@register.simple_tag(takes_context=True)
def list_query(context):
    """The filters of the current list, as the links to its feed, calendar and alerts carry."""
    request = context.get("request")
    return followed_query(request.GET) if request is not None else ""
