"""`{% load people %}`: `{{ user|person }}` names a person as the clinic does (labels.py)."""

from django import template

from tumorboard import labels

register = template.Library()


@register.filter
def person(user) -> str:
    """Full name; a user without one by e-mail; a deleted one as such. Never the username."""
    return labels.person(user)
