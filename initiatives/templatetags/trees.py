from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def tree_list(tree):
    """A tree of territories or themes, [(node, [(child, [...]), ...]), ...], as nested lists of
    links. Written here rather than as a recursive template: the region's four thousand
    territories took the template language half a second."""
    parts = []
    _nodes(parts, tree, {}, {})
    return mark_safe("".join(parts))


def _nodes(parts, tree, addresses, kinds):
    parts.append('<ul class="tree">')
    for node, children in tree:
        parts.append(
            f'\n  <li><a href="{_address(node, addresses)}">{conditional_escape(node)}</a>'
        )
        if kind := _kind(node, kinds):
            parts.append(f'\n    <span class="card__meta">{kind}</span>')
        if children:
            parts.append("\n    ")
            _nodes(parts, children, addresses, kinds)
            parts.append("\n")
        parts.append("</li>")
    parts.append("\n</ul>")


def _address(node, addresses):
    """The node's page: its model's address, read once, with the node's slug (a record's
    address ends with its slug, which needs no quoting)."""
    model = type(node)
    if model not in addresses:
        address = node.get_absolute_url()
        ending = f"/{node.slug}/"
        if not address.endswith(ending):
            return conditional_escape(address)
        addresses[model] = address[: -len(ending)] + "/"
    return conditional_escape(f"{addresses[model]}{node.slug}/")


def _kind(node, kinds):
    """The node's kind in lower case, escaped, translated once per kind."""
    if not hasattr(node, "get_kind_display"):
        return ""
    key = (type(node), node.kind)
    if key not in kinds:
        kinds[key] = conditional_escape(node.get_kind_display().lower())
    return kinds[key]
