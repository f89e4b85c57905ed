"""Forms of the clinicians' review screen for a patient summary."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from recommendations.patient_summaries.services import (
    BODY_MAX,
    LINK_HOURS_DEFAULT,
    LINK_HOURS_MAX,
    TITLE_MAX,
)


class SummaryEditForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=gettext_lazy(
            'Start a line with "## " for a heading, "!! " for the warning-signs heading and '
            '"- " for a list item. Leave a blank line between paragraphs.'
        ),
    )
    # The version the wording was read at (tumorboard.pages.VersionedForm is for model forms).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    # Sent by the page besides the fields (the submit button has no name).
    SENT_BY_THE_PAGE = frozenset({"csrfmiddlewaretoken"})

    def clean(self):
        """Refuse fields the form does not have, as the API does (`tumorboard.api.
        StrictInputMixin`): a posted "status" or "released_at" must not look accepted."""
        cleaned = super().clean()
        unknown = sorted(set(self.data) - set(self.fields) - self.SENT_BY_THE_PAGE)
        if unknown:
            raise forms.ValidationError(
                gettext_lazy("These fields cannot be set here: %(names)s."),
                code="unknown_fields",
                params={"names": ", ".join(unknown)},
            )
        return cleaned


class DraftForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[
            ("", gettext_lazy("The patient's preferred language")),
            ("en", "English"),
            ("es", "Español"),
        ],
        required=False,
    )


class LinkForm(forms.Form):
    valid_hours = forms.IntegerField(
        label=gettext_lazy("Link works for (hours)"),
        min_value=1,
        max_value=LINK_HOURS_MAX,
        initial=LINK_HOURS_DEFAULT,
    )
