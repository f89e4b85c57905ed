"""Reads of patients and cases, scoped to the user asking. Access control for cases lives here."""

from __future__ import annotations

from django.db import models
from django.db.models import Prefetch, Q, QuerySet, Value, When

from tumorboard.roles import is_staff_member

from .models import Case, Patient, PriorTreatment, SpinalLesion

URGENCY_RANK = models.Case(
    When(urgency=Case.Urgency.EMERGENCY, then=Value(0)),
    When(urgency=Case.Urgency.URGENT, then=Value(1)),
    default=Value(2),
    output_field=models.IntegerField(),
)


def related_model(path: str) -> type[models.Model]:
    """The model at the end of `path`, a lookup followed from Case: "board",
    "agenda_items", "agenda_items__meeting".

    Cases sit below scheduling and import none of its modules; the few places that need one of
    its model classes (a board picker's queryset, a meeting's `Status` enum) reach it through the
    case's own relations here, and nowhere else.
    """
    model: type[models.Model] = Case
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def _member_board_ids(user) -> QuerySet:
    return user.board_memberships.values("board_id")


def boards_of(user) -> QuerySet:
    """The boards a user may refer a case to and filter by: those they belong to (every board
    for a superuser); none for patients and outsiders."""
    board = related_model("board")
    if not is_staff_member(user):
        return board.objects.none()
    if user.is_superuser:
        return board.objects.all()
    # A subquery, not a join: no DISTINCT.
    return board.objects.filter(pk__in=_member_board_ids(user))


def cases_visible_to(user) -> QuerySet[Case]:
    """Clinical staff see the cases of the boards they belong to; patients and outsiders none."""
    if not is_staff_member(user):
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    # A subquery, not a join: no DISTINCT, so lists stay cheap as cases grow.
    return Case.objects.filter(board__in=_member_board_ids(user))


def patients_visible_to(user) -> QuerySet[Patient]:
    if not is_staff_member(user):
        return Patient.objects.none()
    if user.is_superuser:
        return Patient.objects.all()
    # A patient just registered by this user has no case yet, but they must still see it.
    on_my_boards = Case.objects.filter(board__in=_member_board_ids(user)).values("patient_id")
    return Patient.objects.filter(Q(pk__in=on_my_boards) | Q(created_by=user))


def _upcoming_agenda_items() -> Prefetch:
    """The case's agenda entries with their meetings, cancelled meetings left out."""
    meeting = related_model("agenda_items__meeting")
    return Prefetch(
        "agenda_items",
        queryset=related_model("agenda_items")
        .objects.select_related("meeting")
        .exclude(meeting__status__in=[meeting.Status.CANCELLED]),
    )


def case_list(*, user, filters: dict | None = None) -> QuerySet[Case]:
    """The case list: filter by status, urgency, meeting; urgent first, then newest."""
    filters = filters or {}
    qs = (
        cases_visible_to(user)
        .select_related("patient", "board", "stored_assessment")
        .defer("stored_assessment__assessment")  # a list shows the stored flags only
        .prefetch_related(_upcoming_agenda_items(), "lesions")
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("urgency"):
        qs = qs.filter(urgency=filters["urgency"])
    if filters.get("meeting"):
        qs = qs.filter(agenda_items__meeting__uuid=filters["meeting"])
    if filters.get("board"):
        qs = qs.filter(board__uuid=filters["board"])
    return qs.annotate(urgency_rank=URGENCY_RANK).order_by("urgency_rank", "-created_at")


def case_detail(*, user, uuid) -> Case:
    """One case with everything its page shows, or Case.DoesNotExist for anyone not allowed."""
    return (
        cases_visible_to(user)
        .select_related(
            "patient",
            "board",
            "created_by",
            "updated_by",
            "goals_recorded_by",
            "stored_assessment",
        )
        .prefetch_related("lesions", "prior_treatments", _upcoming_agenda_items())
        .get(uuid=uuid)
    )


# Change history ------------------------------------------------------------------------------

# Bookkeeping and relations, not clinical content; who and when are shown per entry anyway.
HISTORY_EXCLUDED = frozenset(
    {
        "id",
        "case",
        "patient",
        "board",
        "created_by",
        "updated_by",
        "goals_recorded_by",
        "goals_recorded_at",
        "status_changed_at",
        "created_at",
        "updated_at",
    }
)
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _history_entries(records, *, record: str, label) -> list[dict]:
    """One entry per historical row; a change lists the fields that differ from the row before."""
    entries, previous = [], {}
    for row in records:
        before = previous.get(row.id)
        changes = []
        if row.history_type == "~" and before is not None:
            delta = row.diff_against(before, excluded_fields=HISTORY_EXCLUDED)
            changes = [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]
        previous[row.id] = row
        if row.history_type == "~" and not changes:
            continue  # saved without a visible change
        entries.append(
            {
                "model": row.instance_type,
                "at": row.history_date,
                "by": row.history_user,
                "record": record,
                "label": label(row),
                "action": ACTIONS[row.history_type],
                "reason": row.history_change_reason or "",
                "changes": changes,
            }
        )
    return entries


def case_history(case: Case) -> list[dict]:
    """Who changed what, and when, on a case, its lesions and prior treatments; newest first.

    Three queries whatever the length of the history.
    """
    order = ("history_date", "history_id")
    entries = [
        *_history_entries(
            case.history.select_related("history_user").order_by(*order),
            record="case",
            label=lambda row: "case",
        ),
        *_history_entries(
            SpinalLesion.history.filter(case_id=case.pk)
            .select_related("history_user")
            .order_by(*order),
            record="lesion",
            label=lambda row: row.level,
        ),
        *_history_entries(
            PriorTreatment.history.filter(case_id=case.pk)
            .select_related("history_user")
            .order_by(*order),
            record="prior_treatment",
            label=lambda row: f"{row.kind} {row.level_from}",
        ),
    ]
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries
