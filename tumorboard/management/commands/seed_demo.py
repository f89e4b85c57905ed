"""`manage.py seed_demo`: fictional demo data for a first run (safe to run again).

It creates sign-ins with a published password, so with DEBUG off (a production setting) it
refuses unless `--force` says this is meant (a staging server, the benchmark).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tumorboard import demo
from tumorboard.errors import ApplicationError
from tumorboard.labels import labelled_messages


class Command(BaseCommand):
    help = (
        "Create the fictional Spine Oncology Board, its members, ten demo cases and two upcoming "
        "meetings. Running it again creates nothing twice. For a local demo only: the printed "
        "password is public."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default=demo.DEMO_URL, help="The address the server answers on (`make run`)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off: the demo users' password is public.",
        )

    def handle(self, *args, url: str = demo.DEMO_URL, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a production server, and the demo users' password "
                "is public. Nothing was created. Use --force if demo data is really wanted here."
            )
        try:
            summary = demo.seed_demo()
        except ApplicationError as exc:
            details = "; ".join(labelled_messages(exc.fields))
            raise CommandError(f"{exc.message} {details}".strip()) from exc
        self.stdout.write(demo.format_summary(summary, url=url))
