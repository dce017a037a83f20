"""{% program_facts service as facts %}: the facts a man decides on (services_directory.program_facts)."""

from django import template

from services_directory.program_facts import program_facts as build

register = template.Library()


@register.simple_tag
def program_facts(service, brief=False):
    return build(service=service, brief=bool(brief))
