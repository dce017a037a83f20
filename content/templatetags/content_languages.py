"""The footer's "Help in your language" links, each language named in itself with its lang and dir."""

from django import template

from content.languages import language_help

register = template.Library()


@register.inclusion_tag("content/_language_links.html")
def language_links() -> dict:
    return {"languages": language_help().languages}
