"""The results page's filter: which board, from which day to which day."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recommendations.decisions.forms import DateInput


class ResultsFilterForm(forms.Form):
    """Read from the query string; the board is one the user coordinates or chairs."""

    # A uuid, not a choice: a board outside the user's list is a 404 (results_board), as on
    # every other page, not a form error that would confirm it exists.
    board = forms.UUIDField(label=_("Board"), required=False, widget=forms.Select)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args, boards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].widget.choices = [(str(b.uuid), b.name) for b in boards]
