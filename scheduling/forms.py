"""Forms of the meeting pages: they parse and present input; the services decide what may be
written and their `ApplicationError.fields` are put back on these forms by the views.

Dates and times are entered as the board's people read the clock (the board's time zone) and
turned into aware datetimes here; they are stored in UTC.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DateInput
from cases.models import Case
from tumorboard.errors import ApplicationError

from . import recurrence as rec
from .models import Attendance, Board, Discipline, Invitation, Meeting
from .selectors import agenda_candidates, schedulable_cases
from .services.agenda import MINUTES_RANGE
from .services.common import DURATION_RANGE, REASON_MAX


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def _number(low: int, high: int) -> forms.NumberInput:
    return forms.NumberInput(attrs={"min": low, "max": high, "step": 1})


def case_label(case: Case) -> str:
    """How coordinators pick a case: patient, urgency, status (on a staff-only page)."""
    patient = case.patient
    return (
        f"{patient.family_name.upper()}, {patient.given_name} – {case.get_urgency_display()}, "
        f"{case.get_status_display().lower()} ({case.board.name})"
    )


class BoardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Board) -> str:
        return f"{obj.name} ({obj.time_zone})"


class _BoardTimesMixin:
    """Turn a date and local times into aware datetimes in the board's time zone."""

    def _local(self, day: dt.date, time: dt.time, board: Board, field_name: str):
        try:
            zone = rec.board_zone(board.time_zone)
        except ApplicationError as exc:
            self.add_error(None, exc.message)
            return None
        moment = rec.local_datetime(day, time, zone)
        if moment.time().replace(second=0, microsecond=0) != time.replace(second=0, microsecond=0):
            self.add_error(
                field_name,
                _("%(time)s does not exist on that day in %(zone)s (the clocks change).")
                % {"time": time.strftime("%H:%M"), "zone": board.time_zone},
            )
        return moment


class MeetingForm(_BoardTimesMixin, forms.Form):
    """A regular meeting: day, start and end as the board's clock shows them."""

    board = BoardChoiceField(label=_("Board"), queryset=Board.objects.none(), empty_label=None)
    date = forms.DateField(label=_("Day"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Ends"), widget=TimeInput())
    location = forms.CharField(label=_("Room"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards

    def clean(self):
        data = super().clean()
        board, day = data.get("board"), data.get("date")
        start, end = data.get("start_time"), data.get("end_time")
        if board and day and start and end:
            data["starts_at"] = self._local(day, start, board, "start_time")
            data["ends_at"] = self._local(day, end, board, "end_time")
            if data["starts_at"] and data["ends_at"] and data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", _("The end must be later than the start."))
        return data


class UrgentMeetingForm(_BoardTimesMixin, forms.Form):
    """An ad-hoc urgent meeting, optionally with its cases."""

    board = BoardChoiceField(label=_("Board"), queryset=Board.objects.none(), empty_label=None)
    date = forms.DateField(label=_("Day"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts"), widget=TimeInput())
    duration_minutes = forms.IntegerField(
        label=_("Minutes"),
        initial=30,
        min_value=DURATION_RANGE[0],
        max_value=DURATION_RANGE[1],
        widget=_number(*DURATION_RANGE),
    )
    location = forms.CharField(label=_("Room"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases to discuss"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Urgent cases are placed first."),
    )

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards
        self.fields["cases"].queryset = schedulable_cases(boards)
        self.fields["cases"].label_from_instance = case_label
        self.fields["cases"].to_field_name = "uuid"

    def clean(self):
        data = super().clean()
        board, day, start = data.get("board"), data.get("date"), data.get("start_time")
        if board and day and start:
            data["starts_at"] = self._local(day, start, board, "start_time")
        if board:
            elsewhere = [case for case in data.get("cases") or [] if case.board_id != board.pk]
            if elsewhere:
                self.add_error("cases", _("Choose only cases referred to this board."))
        return data


class RescheduleForm(_BoardTimesMixin, forms.Form):
    date = forms.DateField(label=_("Day"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Ends"), widget=TimeInput())

    def __init__(self, *args, meeting: Meeting, **kwargs):
        self.meeting = meeting
        zone = rec.board_zone(meeting.board.time_zone)
        start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
        kwargs.setdefault(
            "initial", {"date": start.date(), "start_time": start.time(), "end_time": end.time()}
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        board = self.meeting.board
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            data["starts_at"] = self._local(day, start, board, "start_time")
            data["ends_at"] = self._local(day, end, board, "end_time")
            if data["starts_at"] and data["ends_at"] and data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", _("The end must be later than the start."))
        return data


class ScheduleForm(forms.Form):
    board = BoardChoiceField(label=_("Board"), queryset=Board.objects.none(), empty_label=None)
    recurrence = forms.CharField(
        label=_("Repeats (RRULE)"),
        max_length=200,
        initial="FREQ=WEEKLY;BYDAY=TU",
        help_text=_('e.g. "FREQ=WEEKLY;BYDAY=TU" (every Tuesday) or "FREQ=MONTHLY;BYDAY=1TH".'),
    )
    local_start_time = forms.TimeField(label=_("Starts"), widget=TimeInput(), initial="07:30")
    duration_minutes = forms.IntegerField(
        label=_("Minutes"),
        initial=60,
        min_value=DURATION_RANGE[0],
        max_value=DURATION_RANGE[1],
        widget=_number(*DURATION_RANGE),
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    location = forms.CharField(label=_("Room"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards


class GenerateForm(forms.Form):
    until = forms.DateField(label=_("Create meetings until"), widget=DateInput())


class AgendaAddForm(forms.Form):
    case = forms.ModelChoiceField(
        label=_("Case"), queryset=Case.objects.none(), to_field_name="uuid", empty_label="—"
    )
    minutes_allotted = forms.IntegerField(
        label=_("Minutes"),
        required=False,
        min_value=MINUTES_RANGE[0],
        max_value=MINUTES_RANGE[1],
        widget=_number(*MINUTES_RANGE),
        help_text=_("Empty: the board's default."),
    )

    def __init__(self, *args, meeting: Meeting, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = (
            candidates if candidates is not None else agenda_candidates(meeting)
        )
        self.fields["case"].label_from_instance = case_label


class MinutesForm(forms.Form):
    minutes_allotted = forms.IntegerField(
        label=_("Minutes"),
        min_value=MINUTES_RANGE[0],
        max_value=MINUTES_RANGE[1],
        widget=_number(*MINUTES_RANGE),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class InviteForm(forms.Form):
    disciplines = forms.MultipleChoiceField(
        label=_("Disciplines"),
        choices=Discipline.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of these disciplines are invited; already invited people are kept."),
    )

    def clean(self):
        data = super().clean()
        if self.data.get(self.add_prefix("scope")) != "all" and not data.get("disciplines"):
            self.add_error("disciplines", _("Tick at least one discipline, or invite everyone."))
        return data

    @property
    def invite_everyone(self) -> bool:
        return self.data.get(self.add_prefix("scope")) == "all"


class AttendanceForm(forms.Form):
    mode = forms.ChoiceField(label=_("Attendance"), choices=Attendance.Mode.choices)


class RespondForm(forms.Form):
    response = forms.ChoiceField(
        choices=[
            (Invitation.Response.ACCEPTED, _("Accept")),
            (Invitation.Response.DECLINED, _("Decline")),
        ]
    )


class ReadinessFilterForm(forms.Form):
    board = forms.ModelChoiceField(
        label=_("Board"),
        queryset=Board.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label=_("All my boards"),
    )

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards
