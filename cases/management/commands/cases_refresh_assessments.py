"""Store the decision-support assessment of every case (or one board's) again: the backfill after
this feature is deployed and after each release of the clinical core (whose version is part of
each stored row's fingerprint, so pages compute on read until this has run)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases import services
from cases.selectors import related_model


class Command(BaseCommand):
    help = "Store the assessments of all cases, or of one board's (--board UUID), that are stale."

    def add_arguments(self, parser):
        parser.add_argument("--board", help="The board's UUID; every board when left out.")
        parser.add_argument(
            "--force", action="store_true", help="Recompute every row, even a current one."
        )

    def handle(self, *args, board=None, force=False, **options):
        board_id = None
        if board:
            board_model = related_model("board")
            try:
                board_id = board_model.objects.values_list("pk", flat=True).get(uuid=board)
            except (board_model.DoesNotExist, ValidationError) as exc:
                raise CommandError(f"No board with UUID {board!r}.") from exc
        written = services.assessments_refresh(board_id=board_id, force=force)
        self.stdout.write(f"{written} stored assessment(s) written.")
