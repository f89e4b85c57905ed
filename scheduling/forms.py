"""Forms of the meeting pages and of a board's decision-support settings: they parse and present
input; the services decide what may be written and their `ApplicationError.fields` are put back
on these forms by the views.

Dates and times are entered as the board's people read the clock (the board's time zone) and
turned into aware datetimes here; they are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cases.assessment import regimens_from_settings
from cases.forms import DateInput
from cases.models import Case
from clinical.performance import KPS_VALUES
from clinical.regimens import SBRT_REGIMENS
from tumorboard.errors import ApplicationError

from . import recurrence as rec
from .models import (
    Attendance,
    Board,
    BoardMembership,
    Discipline,
    Invitation,
    Meeting,
    validate_follow_up_days,
)
from .rules import CarryOver
from .selectors import PICKER_LIMIT, CasePick, agenda_candidates, case_picks, schedulable_cases
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


# What a case picker's live status line says (the page renders it; case-picker.js repeats it
# once the results of a search are in).
PICKER_ALL = _("Every case waiting for an agenda, most urgent first.")
PICKER_MATCHING = _("Cases matching your search, most urgent first.")
PICKER_NONE = _("No case waiting for an agenda matches your search.")
PICKER_MORE = _("Only the first %(n)d are listed: type an MRN or a name to find others.")
PICKER_FAILED = _("The search did not work: use the Search button.")


class CasePickerMixin:
    """A form with a case picker: the field `case_field` offers at most PICKER_LIMIT cases (those
    matching the search text `q`, most urgent first, and any already chosen), while it accepts
    any of its queryset. Call `offer()` before the form is shown."""

    case_field = "case"
    picks: CasePick | None = None

    def _search_field(self) -> forms.CharField:
        return forms.CharField(
            label=_("Find a case"),
            required=False,
            max_length=200,
            help_text=_("An MRN, or the start of the patient's family or given name."),
            widget=forms.TextInput(
                attrs={"autocomplete": "off", "spellcheck": "false", "data-picker-input": ""}
            ),
        )

    def _hide_choices(self) -> None:
        self.fields[self.case_field].widget.choices = []  # type: ignore[attr-defined]

    def search_text(self) -> str:
        if self.is_bound:  # type: ignore[attr-defined]
            return str(self.data.get(self.add_prefix("q"), ""))  # type: ignore[attr-defined]
        return str(self.initial.get("q", ""))  # type: ignore[attr-defined]

    def chosen(self) -> list[str]:
        name = self.add_prefix(self.case_field)  # type: ignore[attr-defined]
        if self.is_bound:  # type: ignore[attr-defined]
            data = self.data  # type: ignore[attr-defined]
            values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        else:
            value = self.initial.get(self.case_field)  # type: ignore[attr-defined]
            values = value if isinstance(value, list | tuple) else [value]
        return [str(value) for value in values if value]

    def offer(self) -> CasePick:
        field = self.fields[self.case_field]  # type: ignore[attr-defined]
        keep = []
        for value in self.chosen():
            try:
                keep.append(uuid.UUID(value))
            except ValueError:
                continue
        self.picks = case_picks(field.queryset, q=self.search_text(), keep=keep)
        choices = [(case.uuid, case_label(case)) for case in self.picks.cases]
        if isinstance(field, forms.ModelChoiceField) and not isinstance(
            field, forms.ModelMultipleChoiceField
        ):
            choices = [("", field.empty_label or "")] + choices
        field.widget.choices = choices
        return self.picks

    @property
    def picker_status(self) -> str:
        picks = self.picks
        if picks is None:
            return ""
        if picks.searched:
            text = str(PICKER_MATCHING if picks.cases else PICKER_NONE)
        else:
            text = str(PICKER_ALL)
        if picks.more:
            text += " " + str(PICKER_MORE % {"n": PICKER_LIMIT})
        return text

    @property
    def picker_texts(self) -> dict[str, str]:
        return {
            "all": str(PICKER_ALL),
            "matching": str(PICKER_MATCHING),
            "none": str(PICKER_NONE),
            "more": str(PICKER_MORE % {"n": PICKER_LIMIT}),
            "failed": str(PICKER_FAILED),
        }


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


class UrgentMeetingForm(CasePickerMixin, _BoardTimesMixin, forms.Form):
    """An ad-hoc urgent meeting, optionally with its cases (a picker: `offer()`)."""

    case_field = "cases"

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
        self.fields["q"] = self._search_field()
        self._hide_choices()
        self.boards = boards

    def board_uuids(self) -> str:
        """{board pk: board uuid} as JSON, for the picker script (the board field sends pks)."""
        pairs = self.fields["board"].queryset.values_list("pk", "uuid")
        return json.dumps({str(pk): str(uuid) for pk, uuid in pairs})

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


WEEKDAY_CHOICES = [(str(number), _(name)) for number, name in enumerate(rec.WEEKDAY_NAMES)]
WEEK_OF_MONTH_CHOICES = [("", _("(only for once a month)"))] + [
    (str(number), _(label)) for number, label in rec.WEEK_OF_MONTH_CHOICES
]


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in rec.time_zone_names()]


class StandingScheduleForm(forms.Form):
    """A standing schedule as people say it: weekday, time, how often, time zone; the rule is
    built by the service (`recurrence.pattern_rule`), never typed."""

    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=[(value, _(label)) for value, label in rec.FREQUENCY_CHOICES],
        initial=rec.WEEKLY,
    )
    weekday = forms.TypedChoiceField(
        label=_("Day"), choices=WEEKDAY_CHOICES, coerce=int, initial="1"
    )
    week_of_month = forms.TypedChoiceField(
        label=_("Week of the month"),
        choices=WEEK_OF_MONTH_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For a monthly schedule: e.g. the first Thursday, or the last."),
    )
    local_start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput(), initial="07:30")
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=time_zone_choices, initial="Europe/London"
    )
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

    def clean(self):
        data = super().clean()
        if data.get("frequency") == rec.MONTHLY and data.get("week_of_month") is None:
            self.add_error("week_of_month", _("Choose the week of the month."))
        return data

    @classmethod
    def for_schedule(cls, schedule, data=None, **kwargs):
        """The form filled in with a schedule (for editing it)."""
        pattern = rec.pattern_of(schedule.recurrence)
        initial = {
            "local_start_time": schedule.local_start_time,
            "time_zone": schedule.time_zone,
            "duration_minutes": schedule.duration_minutes,
            "starts_on": schedule.starts_on,
            "location": schedule.location,
            "video_link": schedule.video_link,
            "active": schedule.active,
        }
        if pattern is not None:
            initial |= {
                "frequency": pattern.frequency,
                "weekday": str(pattern.weekday),
                "week_of_month": "" if pattern.week_of_month is None else pattern.week_of_month,
            }
        return cls(data, initial=initial, **kwargs)


class ScheduleForm(StandingScheduleForm):
    """A new standing schedule of one of the boards the user coordinates."""

    board = BoardChoiceField(label=_("Board"), queryset=Board.objects.none(), empty_label=None)
    field_order = ["board"]

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards


class ScheduleEditForm(StandingScheduleForm):
    active = forms.BooleanField(
        label=_("Active (generates meetings)"), required=False, initial=True
    )


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a member of staff"),
        max_length=100,
        required=False,
        help_text=_("At least 2 letters of a name, username or e-mail."),
    )


ROLE_CHOICES = BoardMembership.Role.choices


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Person"),
        queryset=get_user_model().objects.filter(is_active=True),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a person from the search results.")},
    )
    role = forms.ChoiceField(
        label=_("Duty"), choices=ROLE_CHOICES, initial=BoardMembership.Role.MEMBER
    )

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = staff_label
        if offered:
            self.fields["user"].queryset = get_user_model().objects.filter(
                pk__in=[user.pk for user in offered]
            )
        elif not self.is_bound:
            self.fields["user"].queryset = get_user_model().objects.none()


def staff_label(user) -> str:
    profile = getattr(user, "specialist_profile", None)
    name = user.get_full_name() or user.get_username()
    return f"{name} ({profile.get_discipline_display()})" if profile else name


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Duty"), choices=ROLE_CHOICES)


class GenerateForm(forms.Form):
    until = forms.DateField(label=_("Create meetings until"), widget=DateInput())


class AgendaAddForm(CasePickerMixin, forms.Form):
    """A case to put on the agenda (a picker: `offer()`), and its minutes."""

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
        self.fields["q"] = self._search_field()
        self._hide_choices()


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


class AttendanceSheetForm(forms.Form):
    """Everyone's attendance on one form: a mode per person, blank for "leave as it is"."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        for row in rows:
            person = row.user.get_full_name() or row.user.get_username()
            self.fields[f"mode-{row.user.pk}"] = forms.ChoiceField(
                label=_("Attendance of %(person)s") % {"person": person},
                choices=[("", "—"), *Attendance.Mode.choices],
                required=False,
                initial=row.mode,
            )

    def modes(self) -> dict[int, str]:
        """The modes chosen (person id → mode), without the blanks."""
        return {
            int(name.removeprefix("mode-")): mode
            for name, mode in self.cleaned_data.items()
            if name.startswith("mode-") and mode
        }


class CloseForm(forms.Form):
    """Where each case the meeting did not discuss goes: the board's next meeting, or back to
    ready (the only choice when the board has no later planned meeting)."""

    def __init__(self, *args, items, target_label: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.undiscussed = list(items)
        choices = [(CarryOver.READY, _("Back to ready for review (on no agenda)"))]
        if target_label:
            label = _("Carry to the next meeting, %(when)s") % {"when": target_label}
            choices.insert(0, (CarryOver.NEXT_MEETING, label))
        for item in self.undiscussed:
            patient = item.case.patient
            self.fields[self.field_name(item)] = forms.ChoiceField(
                label=f"{patient.family_name.upper()}, {patient.given_name}",
                choices=choices,
                widget=forms.RadioSelect,
                initial=None if target_label else CarryOver.READY,
                error_messages={"required": _("Choose where this case goes.")},
            )

    @staticmethod
    def field_name(item) -> str:
        return f"carry-{item.case.uuid.hex[:12]}"

    def rows(self):
        return [(item, self[self.field_name(item)]) for item in self.undiscussed]

    def carry_over(self) -> dict[uuid.UUID, str]:
        return {
            item.case.uuid: self.cleaned_data[self.field_name(item)] for item in self.undiscussed
        }


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


# --- a board's decision-support settings ------------------------------------------------------

# "24/2", "24 Gy/2", "27 Gy / 3 fractions", "24 Gy x 1" (a dose "x N" reads as a dose *per
# fraction* for N > 1, so "x" is accepted for a single fraction only).
REGIMEN_LINE = re.compile(
    r"^(?P<dose>\d+(?:[.,]\d+)?)\s*(?:gy)?\s*(?:(?P<slash>/)|(?P<times>[x×]))\s*"
    r"(?P<fractions>\d+)\s*(?:fr|fx|fractions?)?$",
    re.IGNORECASE,
)
PROJECT_LIST = ", ".join(regimen.label for regimen in SBRT_REGIMENS)


def regimens_text(stored: list) -> str:
    """The stored list as the form shows it, one regimen per line."""
    regimens, problems = regimens_from_settings(stored or [])
    if problems:  # shown raw so the coordinator can correct it
        return "\n".join(str(item) for item in stored)
    return "\n".join(regimen.label for regimen in regimens)


def parse_regimen_lines(text: str) -> list[dict]:
    """One regimen per line -> [{"total_dose_gy": 24, "fractions": 2}, ...]; blank lines ignored.

    Raises ValidationError naming each line it cannot read. Ranges (dose above 0, 1-10
    fractions, duplicates) are the service's to check.
    """
    items, errors = [], []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        match = REGIMEN_LINE.match(line)
        if match is None:
            errors.append(
                _("Regimen %(n)d: “%(line)s” is not total dose / fractions, e.g. 24 Gy/2.")
                % {"n": number, "line": line}
            )
            continue
        dose = float(match["dose"].replace(",", "."))
        fractions = int(match["fractions"])
        if match["times"] and fractions != 1:
            errors.append(
                _(
                    "Regimen %(n)d: “%(line)s” is ambiguous (dose per fraction?); write the total "
                    "dose / fractions, e.g. %(total)g Gy/%(fractions)d."
                )
                % {"n": number, "line": line, "total": dose * fractions, "fractions": fractions}
            )
            continue
        items.append(
            {"total_dose_gy": int(dose) if dose.is_integer() else dose, "fractions": fractions}
        )
    if errors:
        raise forms.ValidationError(errors)
    return items


def _yes_no(value: str) -> bool:
    return value == "true"


class BoardSettingsForm(forms.Form):
    """A board's decision-support settings and patient contact numbers."""

    escc_1c_high_grade = forms.TypedChoiceField(
        label=_("Bilsky grade 1c (cord abutted, not compressed) counts as"),
        choices=[
            ("false", _("Low grade (default)")),
            ("true", _("High grade")),
        ],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        help_text=_("Disputed (Bilsky 2010): it decides NOMS for radioresistant tumours."),
    )
    intermediate_histology = forms.ChoiceField(
        label=_("Histologies of intermediate radiosensitivity (e.g. breast, prostate)"),
        choices=Board.IntermediateHistology.choices,
        widget=forms.RadioSelect,
        help_text=_("Treating them as radiosensitive is a project default, not a published rule."),
    )
    sbrt_regimens = forms.CharField(
        label=_("SBRT regimens the board offers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "One per line: total dose in Gy / fractions (1–10), e.g. 24 Gy/2. "
            "Leave empty for the project list: %(list)s."
        )
        % {"list": PROJECT_LIST},
    )

    too_ill_kps_at_most = forms.TypedChoiceField(
        label=_("Too ill for any local treatment: Karnofsky at or below"),
        choices=[(kps, str(kps)) for kps in KPS_VALUES],
        coerce=int,
        help_text=_("Unconfirmed threshold (project default 40)."),
    )
    too_ill_ecog_at_least = forms.IntegerField(
        label=_("… or ECOG at or above"),
        min_value=0,
        max_value=5,
        help_text=_("Unconfirmed threshold (project default 3)."),
    )
    too_ill_survival_under_months = forms.IntegerField(
        label=_("… or expected survival under (months)"),
        min_value=1,
        max_value=120,
        help_text=_(
            "Unconfirmed threshold (project default 3). Crossing any of the three makes the NOMS "
            "suggestion systemic and palliative care with single-fraction 8 Gy for pain, an "
            "unconfirmed row the board confirms or overrides."
        ),
    )

    care_team_phone = forms.CharField(
        label=_("Care team phone number"),
        required=False,
        max_length=40,
        help_text=_("Printed on every patient summary; needed before a summary is released."),
    )
    out_of_hours_phone = forms.CharField(
        label=_("Out-of-hours phone number"),
        required=False,
        max_length=40,
        help_text=_("For evenings, nights and weekends; needed before a summary is released."),
    )

    @classmethod
    def for_board(cls, board: Board, data=None) -> BoardSettingsForm:
        return cls(
            data,
            initial={
                "escc_1c_high_grade": "true" if board.escc_1c_high_grade else "false",
                "intermediate_histology": board.intermediate_histology,
                "sbrt_regimens": regimens_text(board.sbrt_regimens),
                "too_ill_kps_at_most": board.too_ill_kps_at_most,
                "too_ill_ecog_at_least": board.too_ill_ecog_at_least,
                "too_ill_survival_under_months": board.too_ill_survival_under_months,
                "care_team_phone": board.care_team_phone,
                "out_of_hours_phone": board.out_of_hours_phone,
            },
        )

    def clean_sbrt_regimens(self) -> list[dict]:
        return parse_regimen_lines(self.cleaned_data["sbrt_regimens"])


class BoardManageForm(BoardSettingsForm):
    """Every setting of a board on one form, in groups (`GROUPS`): its name and time zone, how it
    coordinates, its quorum rule, and the decision-support settings; the service checks them
    again."""

    name = forms.CharField(label=_("Board name"), max_length=200)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Meeting times are shown and entered in this zone."),
    )
    opinion_deadline_hours = forms.IntegerField(
        label=_("Opinions are due (hours before the meeting)"),
        min_value=0,
        max_value=336,
        widget=_number(0, 336),
        help_text=_(
            "Specialists are reminded before it; 0 means at the start. At most 336 (14 days)."
        ),
    )
    agenda_circulation_hours = forms.IntegerField(
        label=_("The agenda is circulated (hours before the meeting)"),
        min_value=0,
        max_value=336,
        widget=_number(0, 336),
        help_text=_("Cases added later are marked as added late. At most 336 (14 days)."),
    )
    mri_max_age_days = forms.IntegerField(
        label=_("MRI age limit for readiness (days)"),
        min_value=1,
        max_value=365,
        widget=_number(1, 365),
        help_text=_("A case whose latest spine MRI is older than this is not ready."),
    )
    mri_from_attachments = forms.TypedChoiceField(
        label=_("Attached MRI studies count for readiness"),
        choices=[
            ("true", _("Yes: an attached MRI's study date counts as the spine MRI date")),
            ("false", _("No: only the MRI dates recorded on the lesions count")),
        ],
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    default_case_minutes = forms.IntegerField(
        label=_("Minutes per case on the agenda"),
        min_value=1,
        max_value=120,
        widget=_number(1, 120),
        help_text=_("Each case's time unless changed on the agenda."),
    )
    opinions_blind = forms.TypedChoiceField(
        label=_("Blind opinions"),
        choices=[
            ("true", _("On: a specialist sees the others' opinions after giving theirs")),
            ("false", _("Off: specialists see each other's opinions at once")),
        ],
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    follow_up_days = forms.CharField(
        label=_("Follow-ups after the main treatment (days)"),
        max_length=100,
        help_text=_(
            "Days after the main treatment, separated by commas, e.g. 42, 91, 182, 365 "
            "(6 weeks, 3, 6 and 12 months). Whole days 1–1825, increasing, at most 8."
        ),
    )
    required_disciplines = forms.MultipleChoiceField(
        label=_("Disciplines that must be present"),
        choices=Discipline.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Quorum needs someone present for each of these (in person or remote)."),
    )
    quorum_min_present = forms.IntegerField(
        label=_("Members present at least"),
        min_value=1,
        max_value=50,
        widget=_number(1, 50),
        help_text=_("Quorum also needs at least this many people present."),
    )

    target_referral_to_meeting_days = forms.IntegerField(
        label=_("Referral to meeting (days)"),
        min_value=1,
        max_value=90,
        widget=_number(1, 90),
        help_text=_("Routine and urgent cases. At most 90."),
    )
    target_urgent_hours = forms.IntegerField(
        label=_("Emergency (cord compression) referral to meeting (hours)"),
        min_value=1,
        max_value=168,
        widget=_number(1, 168),
        help_text=_("Usually 24–48 hours. At most 168."),
    )
    target_plan_signed_days = forms.IntegerField(
        label=_("Meeting to signed plan (days)"),
        min_value=0,
        max_value=30,
        widget=_number(0, 30),
    )
    target_treatment_days = forms.IntegerField(
        label=_("Signed plan to first treatment (days)"),
        min_value=1,
        max_value=180,
        widget=_number(1, 180),
    )

    GROUPS = (
        (_("Board"), ("name", "time_zone")),
        (
            _("Meetings and readiness"),
            (
                "opinion_deadline_hours",
                "agenda_circulation_hours",
                "mri_max_age_days",
                "mri_from_attachments",
                "default_case_minutes",
                "opinions_blind",
                "follow_up_days",
            ),
        ),
        (_("Quorum"), ("required_disciplines", "quorum_min_present")),
        (
            _("Targets for the results page"),
            (
                "target_referral_to_meeting_days",
                "target_urgent_hours",
                "target_plan_signed_days",
                "target_treatment_days",
            ),
        ),
        (
            _("Decision support"),
            (
                "escc_1c_high_grade",
                "intermediate_histology",
                "sbrt_regimens",
                "too_ill_kps_at_most",
                "too_ill_ecog_at_least",
                "too_ill_survival_under_months",
            ),
        ),
        (_("Patient contact"), ("care_team_phone", "out_of_hours_phone")),
    )

    def groups(self) -> list[tuple[str, list]]:
        """(heading, bound fields) per group, in the order of GROUPS."""
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    @classmethod
    def for_board(cls, board: Board, data=None) -> BoardManageForm:
        form = super().for_board(board, data)
        form.initial |= {
            "name": board.name,
            "time_zone": board.time_zone,
            "opinion_deadline_hours": board.opinion_deadline_hours,
            "agenda_circulation_hours": board.agenda_circulation_hours,
            "mri_max_age_days": board.mri_max_age_days,
            "mri_from_attachments": "true" if board.mri_from_attachments else "false",
            "default_case_minutes": board.default_case_minutes,
            "opinions_blind": "true" if board.opinions_blind else "false",
            "required_disciplines": list(board.required_disciplines or []),
            "quorum_min_present": board.quorum_min_present,
            "target_referral_to_meeting_days": board.target_referral_to_meeting_days,
            "target_urgent_hours": board.target_urgent_hours,
            "target_plan_signed_days": board.target_plan_signed_days,
            "target_treatment_days": board.target_treatment_days,
            "follow_up_days": ", ".join(str(days) for days in board.follow_up_days),
        }
        return form

    def clean_follow_up_days(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["follow_up_days"].split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(
                _("Give whole numbers of days separated by commas, e.g. 42, 91, 182, 365.")
            )
        days = [int(p) for p in parts]
        try:
            validate_follow_up_days(days)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return days
