"""Public entry point for the decision-support scores, kept for integrations and clinical
reviewers: the functions live in the Django-free clinical core (`clinical`)."""

from clinical import *  # noqa: F403
from clinical import __all__  # noqa: F401
