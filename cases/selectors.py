"""Reads of patients and cases, scoped to the user asking. Access control for cases lives here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.files.storage import storages
from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Upper

from tumorboard.db import ByteOrder
from tumorboard.errors import ApplicationError
from tumorboard.roles import is_staff_member

from .models import Case, CaseAttachment, Patient, PriorTreatment, SpinalLesion

# Most urgent first when sorted ascending (emergency, urgent, routine): the stored priority,
# negated, for lists that sort by it with other fields ascending (agenda candidates, readiness).
URGENCY_RANK = -F("urgency_priority")

# Most urgent, then newest; the id breaks ties, so keyset pages are stable. One direction
# throughout, so an index on (urgency_priority, created_at, id) serves the order and the page's
# start (tumorboard.pagination).
CASE_LIST_ORDER = ("-urgency_priority", "-created_at", "-pk")
PATIENT_LIST_ORDER = ("family_name", "given_name", "pk")
# A name search's order: the expressions of patient_name_search_idx, which also serves the prefix
# (UPPER(family_name) LIKE 'SMI%'), so PostgreSQL reads the bounded results in index order and
# stops. Ordered by the list's order instead, it walked patient_name_idx from the start of the
# alphabet and filtered the prefix row by row (issue 12). Upper-case "C" order: "McX" < "Mac".
PATIENT_SEARCH_ORDER = (
    ByteOrder(Upper("family_name")),
    ByteOrder(Upper("given_name")),
    "pk",
)

# A search answers at most this many rows; more means "narrow your search". A family name is
# searched from its first SEARCH_NAME_MIN letters (one letter would match a twentieth of them).
SEARCH_LIMIT = 50
SEARCH_NAME_MIN = 2


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
    """The patients with a case on the user's boards, and those the user registered (a patient
    just registered has no case yet, but they must still see it)."""
    if not is_staff_member(user):
        return Patient.objects.none()
    if user.is_superuser:
        return Patient.objects.all()
    # Per patient, EXISTS over a UNION ALL of the two sources, each an index probe (the case's
    # patient, the patient's creator), so a page by name stops after its rows. With an OR of the
    # two (or an IN over their UNION) PostgreSQL read all the visible patients for every page.
    on_my_boards = Case.objects.filter(
        patient=OuterRef(OuterRef("pk")), board__in=_member_board_ids(user)
    ).values("pk")
    registered_by_me = Patient.objects.filter(pk=OuterRef(OuterRef("pk")), created_by=user)
    either = on_my_boards.order_by().union(registered_by_me.values("pk").order_by(), all=True)
    return Patient.objects.filter(Exists(either))


def patient_list(*, user) -> QuerySet[Patient]:
    """The patient list, by name (keyset pages)."""
    return patients_visible_to(user).order_by(*PATIENT_LIST_ORDER)


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
    """The case list: filter by status, urgency, meeting, board; most urgent first, then newest
    (CASE_LIST_ORDER, for keyset pages)."""
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
        # The stored column, so the order's index also serves the filter.
        qs = qs.filter(urgency_priority=Case.URGENCY_PRIORITY[filters["urgency"]])
    if filters.get("meeting"):
        on_agenda = related_model("agenda_items").objects.filter(meeting__uuid=filters["meeting"])
        qs = qs.filter(pk__in=on_agenda.values("case_id"))
    if filters.get("board"):
        qs = qs.filter(board__uuid=filters["board"])
    return qs.order_by(*CASE_LIST_ORDER)


# Search by MRN or name -------------------------------------------------------------------------
# The terms arrive in a POST body (never a URL or an access log). Each is served by an index on
# UPPER(...): an MRN in any letter case, a name by its first letters.


@dataclass(frozen=True)
class SearchResult:
    rows: list[Any]
    more: bool  # more than SEARCH_LIMIT matched: narrow the search


def check_search_terms(*, mrn: str = "", family_name: str = "", given_name: str = "") -> None:
    """An MRN, or the first letters of a family name (and perhaps of a given name); not both.
    Raises ApplicationError naming the fields."""
    if mrn and (family_name or given_name):
        raise ApplicationError(
            "Search by MRN or by name, not both.",
            fields={"mrn": ["Search by MRN or by name, not both."]},
        )
    if not mrn and not family_name:
        message = (
            "Give the first letters of the family name too."
            if given_name
            else "Give an MRN or the first letters of a family name."
        )
        raise ApplicationError(message, fields={"family_name": [message]})
    if not mrn and len(family_name) < SEARCH_NAME_MIN:
        message = f"Give at least {SEARCH_NAME_MIN} letters of the family name."
        raise ApplicationError(message, fields={"family_name": [message]})


def _patient_matches(
    *, prefix: str = "", mrn: str = "", family_name: str = "", given_name: str = ""
) -> Q:
    check_search_terms(mrn=mrn, family_name=family_name, given_name=given_name)
    if mrn:
        return Q(**{f"{prefix}mrn__iexact": mrn})
    match = Q(**{f"{prefix}family_name__istartswith": family_name})
    if given_name:
        match &= Q(**{f"{prefix}given_name__istartswith": given_name})
    return match


def _bounded(queryset: QuerySet) -> SearchResult:
    rows = list(queryset[: SEARCH_LIMIT + 1])
    return SearchResult(rows=rows[:SEARCH_LIMIT], more=len(rows) > SEARCH_LIMIT)


def patient_search(
    *, user, mrn: str = "", family_name: str = "", given_name: str = ""
) -> SearchResult:
    """The user's patients by exact MRN (any letter case) or by name prefix (family name, and
    optionally given name), by upper-cased name (PATIENT_SEARCH_ORDER); at most SEARCH_LIMIT.
    Raises ApplicationError on terms that `check_search_terms` refuses."""
    match = _patient_matches(mrn=mrn, family_name=family_name, given_name=given_name)
    return _bounded(patients_visible_to(user).filter(match).order_by(*PATIENT_SEARCH_ORDER))


def case_search(
    *, user, mrn: str = "", family_name: str = "", given_name: str = ""
) -> SearchResult:
    """The user's cases of the patients found as in `patient_search`, in the case list's order;
    at most SEARCH_LIMIT."""
    match = _patient_matches(
        prefix="patient__", mrn=mrn, family_name=family_name, given_name=given_name
    )
    return _bounded(case_list(user=user).filter(match))


# Attachments ----------------------------------------------------------------------------------


def case_attachments(case: Case) -> list[CaseAttachment]:
    """The case's attachments, key images first in their order, then the rest; one query."""
    rows = list(case.attachments.select_related("created_by").order_by("position", "pk"))
    return sorted(rows, key=lambda row: not row.is_key_image)


def attachment_for(*, user, case_uuid, uuid) -> CaseAttachment:
    """One attachment of a case the user may see, or CaseAttachment.DoesNotExist."""
    return CaseAttachment.objects.select_related("case", "case__patient", "case__board").get(
        uuid=uuid, case__uuid=case_uuid, case__in=cases_visible_to(user)
    )


def key_images_of(case_ids) -> dict[int, list[CaseAttachment]]:
    """The key images of these cases in their order, by case id; one query. For meeting mode and
    the packet (whose callers have checked access to the meeting and so to its cases)."""
    found: dict[int, list[CaseAttachment]] = {}
    rows = CaseAttachment.objects.filter(case_id__in=list(case_ids), is_key_image=True).order_by(
        "case_id", "position", "pk"
    )
    for row in rows:
        found.setdefault(row.case_id, []).append(row)
    return found


def thumbnail_png(attachment: CaseAttachment) -> bytes | None:
    """A ready attachment's thumbnail (PNG bytes), or None when it has none or it is missing."""
    if attachment.preview_status != CaseAttachment.Preview.READY or not attachment.thumbnail_name:
        return None
    try:
        with storages["attachments"].open(attachment.thumbnail_name, "rb") as stored:
            return stored.read()
    except OSError:
        return None


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
        "version",  # the concurrency token, not a clinical change
        # An attachment's storage names and preview state: bookkeeping, not what people changed.
        "file_name",
        "thumbnail_name",
        "preview_names",
        "preview_status",
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
    """Who changed what, and when, on a case, its lesions, prior treatments and attachments;
    newest first.

    Four queries whatever the length of the history.
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
            label=lambda row: " ".join(
                str(part) for part in (row.get_kind_display(), row.level_from) if part
            ),
        ),
        *_history_entries(
            CaseAttachment.history.filter(case_id=case.pk)
            .select_related("history_user")
            .order_by(*order),
            record="attachment",
            label=lambda row: f"{row.get_kind_display()} ({row.original_name})",
        ),
    ]
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries
