"""The board's results: timeliness, participation, decisions, follow-through and outcomes, for
the board's coordinators and chair (issue 16)."""
