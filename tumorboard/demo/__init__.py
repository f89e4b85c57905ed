"""Fictional demo data for a first run (`manage.py seed_demo`): the data in `data`, the seeding in
`seed`. It seeds every app, so it sits in the wiring layer, above them all."""

from .data import BOARD_NAME, CASES, COORDINATOR_USERNAME, DEMO_PASSWORD, DEMO_URL, mrn
from .seed import SeedSummary, format_summary, logins, seed_demo

__all__ = [
    "BOARD_NAME",
    "CASES",
    "COORDINATOR_USERNAME",
    "DEMO_PASSWORD",
    "DEMO_URL",
    "SeedSummary",
    "format_summary",
    "logins",
    "mrn",
    "seed_demo",
]
