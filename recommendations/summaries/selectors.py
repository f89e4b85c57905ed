"""Reads of pre-meeting summaries: the latest versions, staleness, how preparation stands, the
meeting packet, and who may read which summary.

Each read of many items costs a constant number of queries whatever the number of items or
opinions (`load_agenda_items` prefetches everything a summary is built from).

Access: meetings are scoped by `scheduling.selectors.meeting_for_user`; preparing is for the
board's coordinators and chairs (`scheduling.access.can_coordinate`); on a board with blind
opinions a specialist reads a case's summary (which carries every opinion) only once they have
given their own, until the meeting starts (`summaries_withheld`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery, prefetch_related_objects
from django.utils import timezone

from cases.selectors import key_images_of
from recommendations.models import Opinion, PreMeetingSummary, SummaryPreparation
from recommendations.opinions.selectors import can_give_opinions
from recommendations.summaries.build import current_fingerprint
from scheduling.access import can_coordinate
from scheduling.models import AgendaItem, Invitation, Meeting
from scheduling.rules import meeting_has_started

# Time limits of the preparation task (preparation.py): one summary takes milliseconds, so a
# minute means something is stuck.
TASK_SOFT_TIME_LIMIT = 60
TASK_TIME_LIMIT = 90
# A preparation still "running" this long after it started was cut off (hard time limit, a killed
# worker whose message is not redelivered): it is shown as failed and can be retried.
INTERRUPTED_AFTER = dt.timedelta(seconds=TASK_TIME_LIMIT + 60)

# Invitees still expected at the meeting, whose discipline is therefore expected to give a view.
EXPECTED_RESPONSES = (Invitation.Response.ACCEPTED, Invitation.Response.PENDING)


def latest_summaries(item_ids: Iterable[int], *, content: bool = True) -> dict[int, Any]:
    """agenda item id -> its latest summary, in one query."""
    newest = (
        PreMeetingSummary.objects.filter(agenda_item=OuterRef("agenda_item"))
        .order_by("-version")
        .values("version")[:1]
    )
    qs = PreMeetingSummary.objects.filter(
        agenda_item_id__in=list(item_ids), version=Subquery(newest)
    )
    if not content:
        qs = qs.defer("content", "inputs")
    return {summary.agenda_item_id: summary for summary in qs}


# --- loading: a constant number of queries, whatever the number of items or opinions ----------


def _summary_queryset(queryset: QuerySet[AgendaItem], *, with_patient: bool) -> list[AgendaItem]:
    """Agenda items with everything a summary reads, in seven queries for any number of items."""
    related = ["meeting__board", "case__board", "case__stored_assessment"]
    if with_patient:
        related.append("case__patient")
    items = list(queryset.select_related(*related).order_by("meeting_id", "position"))
    meeting_ids = {item.meeting_id for item in items}
    opinions = (
        Opinion.objects.filter(meeting_id__in=meeting_ids)
        .select_related("author__specialist_profile")
        .order_by("discipline", "submitted_at", "pk")
    )
    invitations = (
        Invitation.objects.filter(response__in=EXPECTED_RESPONSES, user__is_active=True)
        .exclude(discipline="")
        .order_by("pk")
    )
    prefetch_related_objects(
        items,
        "case__lesions",
        "case__prior_treatments",
        Prefetch("case__opinions", queryset=opinions, to_attr="meeting_opinions"),
        Prefetch("meeting__invitations", queryset=invitations, to_attr="expected_invitations"),
    )
    return items


def load_agenda_items(ids: Iterable[int]) -> list[AgendaItem]:
    """The agenda items with these ids, prefetched for summarising."""
    return _summary_queryset(AgendaItem.objects.filter(pk__in=list(ids)), with_patient=False)


# --- staleness, and what is due for preparation -------------------------------------------------


def summary_is_stale(item: AgendaItem) -> bool:
    """True when the item has a summary and its inputs have changed since it was built."""
    (loaded,) = load_agenda_items([item.pk])
    latest = latest_summaries([item.pk], content=False).get(item.pk)
    return latest is not None and latest.inputs_fingerprint != current_fingerprint(loaded)


def summary_needs_preparing(agenda_item_id: int) -> bool:
    """The item exists and has no summary yet, or a stale one."""
    loaded = load_agenda_items([agenda_item_id])
    if not loaded:
        return False
    latest = latest_summaries([agenda_item_id], content=False).get(agenda_item_id)
    return latest is None or latest.inputs_fingerprint != current_fingerprint(loaded[0])


def meetings_due_for_preparation(now: dt.datetime | None = None) -> list[tuple[Meeting, list]]:
    """Planned meetings whose opinion deadline has passed, with the items not prepared since.

    An item counts as prepared since the deadline when its preparation was requested at or after
    the deadline: so each meeting is prepared once when its deadline passes, and items added to
    the agenda later are picked up on the next run.
    """
    now = now or timezone.now()
    longest = Meeting.objects.aggregate(hours=Max("board__opinion_deadline_hours"))["hours"] or 0
    meetings = list(
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=longest),
        )
        .select_related("board")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("preparation").order_by("position"),
            )
        )
        .order_by("starts_at", "pk")
    )
    due = []
    for meeting in meetings:
        deadline = meeting.starts_at - dt.timedelta(hours=meeting.board.opinion_deadline_hours)
        if now < deadline:
            continue
        items = [
            item
            for item in meeting.agenda_items.all()
            if _preparation_of(item) is None
            or _preparation_of(item).requested_at is None
            or _preparation_of(item).requested_at < deadline
        ]
        if items:
            due.append((meeting, items))
    return due


def _preparation_of(item: AgendaItem) -> SummaryPreparation | None:
    try:
        return item.preparation
    except SummaryPreparation.DoesNotExist:
        return None


# --- progress ----------------------------------------------------------------------------------


def preparation_interrupted(preparation: SummaryPreparation, now: dt.datetime) -> bool:
    """Still "running" long after it started: the run was cut off."""
    return (
        preparation.status == SummaryPreparation.Status.RUNNING
        and preparation.started_at is not None
        and now - preparation.started_at > INTERRUPTED_AFTER
    )


NOT_REQUESTED = "not_requested"
STATUS_LABELS = {**dict(SummaryPreparation.Status.choices), NOT_REQUESTED: "Not requested"}


@dataclass(frozen=True)
class ItemProgress:
    item: AgendaItem
    status: str  # a SummaryPreparation.Status, or "not_requested"
    error: str
    attempts: int
    requested_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    version: int | None
    stale: bool

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def can_retry(self) -> bool:
        return self.status in (SummaryPreparation.Status.FAILED, NOT_REQUESTED)


@dataclass(frozen=True)
class PreparationProgress:
    meeting: Meeting
    items: list[ItemProgress]

    def _count(self, status: str) -> int:
        return sum(1 for entry in self.items if entry.status == status)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def prepared(self) -> int:
        """Items with a summary built from their current inputs."""
        return sum(
            1
            for entry in self.items
            if entry.status == SummaryPreparation.Status.DONE and not entry.stale
        )

    @property
    def queued(self) -> int:
        return self._count(SummaryPreparation.Status.QUEUED)

    @property
    def running(self) -> int:
        return self._count(SummaryPreparation.Status.RUNNING)

    @property
    def failed(self) -> int:
        return self._count(SummaryPreparation.Status.FAILED)

    @property
    def not_requested(self) -> int:
        return self._count(NOT_REQUESTED)

    @property
    def stale(self) -> int:
        return sum(1 for entry in self.items if entry.stale)

    @property
    def failures(self) -> list[ItemProgress]:
        return [entry for entry in self.items if entry.status == SummaryPreparation.Status.FAILED]

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.prepared == self.total

    @property
    def in_progress(self) -> bool:
        return bool(self.queued or self.running)


def _item_progress(item, preparation, summary, fingerprint, now) -> ItemProgress:
    stale = summary is not None and summary.inputs_fingerprint != fingerprint
    if preparation is None:
        return ItemProgress(item, NOT_REQUESTED, "", 0, None, None, None, None, stale)
    status, error = preparation.status, preparation.error
    if preparation_interrupted(preparation, now):
        status = SummaryPreparation.Status.FAILED
        error = "Interrupted: the worker stopped before finishing. Retry to prepare it again."
    return ItemProgress(
        item=item,
        status=status,
        error=error,
        attempts=preparation.attempts,
        requested_at=preparation.requested_at,
        started_at=preparation.started_at,
        finished_at=preparation.finished_at,
        version=summary.version if summary is not None else None,
        stale=stale,
    )


def _meeting_items(meeting: Meeting, *, with_patient: bool) -> list[AgendaItem]:
    return _summary_queryset(meeting.agenda_items.all(), with_patient=with_patient)


def meeting_preparation_progress(meeting: Meeting) -> PreparationProgress:
    """n of m prepared, what is queued or running, failures with their reason; constant queries."""
    items = _meeting_items(meeting, with_patient=True)
    ids = [item.pk for item in items]
    preparations = {
        p.agenda_item_id: p for p in SummaryPreparation.objects.filter(agenda_item_id__in=ids)
    }
    summaries = latest_summaries(ids, content=False)
    now = timezone.now()
    return PreparationProgress(
        meeting=meeting,
        items=[
            _item_progress(
                item,
                preparations.get(item.pk),
                summaries.get(item.pk),
                current_fingerprint(item),
                now,
            )
            for item in items
        ],
    )


def progress_reads(progress: PreparationProgress) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """The read-log pairs (patient, case) of a progress report: its items come with their
    case's patient (no query)."""
    return [(entry.item.case.patient.uuid, entry.item.case.uuid) for entry in progress.items]


# --- reading: access and the packet ------------------------------------------------------------


def agenda_item_for(*, meeting: Meeting, case_uuid) -> AgendaItem:
    """The meeting's agenda item for that case, or AgendaItem.DoesNotExist."""
    return meeting.agenda_items.select_related("meeting__board", "case__patient").get(
        case__uuid=case_uuid
    )


def summaries_withheld(*, user, meeting: Meeting) -> set[int] | None:
    """Case ids whose summaries the user may not read yet; None: every summary is readable.

    Summaries carry every opinion, so they follow the opinions' rule
    (`opinions.selectors.opinion_visibility`): on a board with blind opinions, until the meeting
    starts, a specialist who is not a coordinator or chair reads a case's summary only once they
    have given their own opinion on it.
    """
    if (
        can_coordinate(user, meeting.board)
        or not meeting.board.opinions_blind
        or meeting_has_started(meeting)
        or not can_give_opinions(user)
    ):
        return None
    given = set(
        Opinion.objects.filter(meeting=meeting, author=user).values_list("case_id", flat=True)
    )
    all_cases = set(meeting.agenda_items.values_list("case_id", flat=True))
    return all_cases - given


@dataclass(frozen=True)
class PacketEntry:
    item: AgendaItem
    summary: PreMeetingSummary | None
    stale: bool
    withheld: bool
    # The case's key images in order (cases.CaseAttachment), for the packet page and PDF.
    key_images: tuple = ()

    @property
    def case(self):
        return self.item.case


def meeting_packet(meeting: Meeting, *, withheld: set[int] | None = None) -> list[PacketEntry]:
    """Every agenda item in agenda order with its latest summary and whether it is stale.

    A constant number of queries whatever the number of items and opinions.
    """
    items = _meeting_items(meeting, with_patient=True)
    summaries = latest_summaries([item.pk for item in items])
    images = key_images_of(item.case_id for item in items)
    entries = []
    for item in items:
        summary = summaries.get(item.pk)
        hidden = withheld is not None and item.case_id in withheld
        stale = summary is not None and summary.inputs_fingerprint != current_fingerprint(item)
        entries.append(
            PacketEntry(
                item=item,
                summary=None if hidden else summary,
                stale=stale,
                withheld=hidden,
                key_images=tuple(images.get(item.case_id, ())),
            )
        )
    return entries


def summary_versions(item: AgendaItem) -> list[PreMeetingSummary]:
    """Every version of the item's summary, newest first, without their content."""
    return list(
        PreMeetingSummary.objects.filter(agenda_item=item)
        .defer("content", "inputs")
        .order_by("-version")
    )


def summary_detail(item: AgendaItem, *, version: int | None = None) -> PacketEntry:
    """The item's latest summary (or the given version) and whether the inputs changed since."""
    (loaded,) = _summary_queryset(AgendaItem.objects.filter(pk=item.pk), with_patient=True)
    qs = PreMeetingSummary.objects.filter(agenda_item=item)
    summary = (qs.filter(version=version) if version else qs.order_by("-version")).first()
    current = current_fingerprint(loaded)
    return PacketEntry(
        item=loaded,
        summary=summary,
        stale=summary is not None and summary.inputs_fingerprint != current,
        withheld=False,
    )
