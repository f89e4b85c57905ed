from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tumorboard.bounds import EARLIEST_MEETING, LATEST_MEETING

from .selectors import ReadFilter


class ReadFilterForm(forms.Form):
    """The read log's filters (GET): a reader, a patient's public id, a date range."""

    user = forms.CharField(label=_("Reader (username)"), required=False, max_length=150)
    patient = forms.UUIDField(label=_("Patient id"), required=False)
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        for name in ("since", "until"):
            day = data.get(name)
            if day and not EARLIEST_MEETING <= day <= LATEST_MEETING:
                self.add_error(name, _("Enter a date between 2000 and 2100."))
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end is before the start."))
        return data

    def filters(self) -> ReadFilter:
        data = self.cleaned_data
        return ReadFilter(
            username=data.get("user") or "",
            patient=data.get("patient"),
            since=data.get("since"),
            until=data.get("until"),
        )
