"""A board's half-year with known answers (worked out by hand in
recommendations/tests/dashboard/test_results.py), for the results tests and the browser test."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from cases.models import Case, StoredAssessment
from recommendations.models import (
    ConsensusPlan,
    DecisionRecord,
    FollowUp,
    Opinion,
    PlanActivity,
)
from scheduling.models import Attendance, Meeting
from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory, PatientFactory

UTC = dt.UTC  # London is on GMT from January to March: UTC times are the board's clock


def at(day: str, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=UTC)


def _noms(procedures: list[str], radiation: str) -> dict:
    return {
        "lesions": [
            {
                "level": "T10",
                "noms": {
                    "computable": True,
                    "result": {"procedures": procedures, "radiation": radiation},
                },
            }
        ]
    }


def build_results_world(cast) -> SimpleNamespace:
    board = cast.board
    spec = cast.specialists
    w = SimpleNamespace(board=board, cases={}, plans={})
    w.m_before = MeetingFactory(
        board=board, starts_at=at("2025-12-01"), status=Meeting.Status.CLOSED
    )
    w.m1 = MeetingFactory(board=board, starts_at=at("2026-02-05"), status=Meeting.Status.CLOSED)
    w.m2 = MeetingFactory(board=board, starts_at=at("2026-03-05"), status=Meeting.Status.CLOSED)
    w.m3 = MeetingFactory(board=board, starts_at=at("2026-03-12"), status=Meeting.Status.CANCELLED)

    def case(name, created, urgency="routine", *, ambulatory=True, pain=6, died=None):
        patient = PatientFactory(date_of_death=dt.date.fromisoformat(died) if died else None)
        c = CaseFactory(
            board=board, patient=patient, urgency=urgency, ambulatory=ambulatory, pain_score=pain
        )
        Case.objects.filter(pk=c.pk).update(created_at=created)
        w.cases[name] = c
        return c

    def item(c, meeting, position):
        return AgendaItemFactory(case=c, meeting=meeting, position=position, is_open=False)

    def plan(agenda_item, signed_at, outcome=ConsensusPlan.Outcome.AGREED, needed=""):
        decision = DecisionRecord.objects.create(agenda_item=agenda_item, information_needed=needed)
        p = ConsensusPlan.objects.create(
            decision=decision,
            outcome=outcome,
            status=ConsensusPlan.Status.SIGNED,
            signed_by=cast.chair,
            signed_at=signed_at,
            quorum_met=True,
        )
        w.plans[agenda_item.case_id] = p
        return p

    def activity(p, kind, status="done", completed=None, regimen="", due=None):
        PlanActivity.objects.create(
            plan=p,
            kind=kind,
            description=kind,
            responsible_discipline="spine_surgery",
            details={"regimen": regimen} if regimen else {},
            status=status,
            completed_on=dt.date.fromisoformat(completed) if completed else None,
            due_date=dt.date.fromisoformat(due) if due else None,
            status_reason="changed" if status in ("deviated", "cancelled") else "",
            done_instead="home exercises" if status == "deviated" else "",
        )

    def opinion(c, meeting, author, options, submitted):
        Opinion.objects.create(
            case=c,
            meeting=meeting,
            author=author,
            discipline=author.specialist_profile.discipline,
            options=options,
            rationale="Because.",
            confidence=Opinion.Confidence.MODERATE,
            submitted_at=submitted,
        )

    def follow_up(p, c, days, recorded, ambulatory="", pain=None):
        FollowUp.objects.create(
            case=c,
            plan=p,
            timepoint_days=days,
            due_on=dt.date.fromisoformat(recorded),
            status=FollowUp.Status.RECORDED,
            recorded_on=dt.date.fromisoformat(recorded),
            ambulatory=ambulatory,
            pain_score=pain,
        )

    c1 = case("c1", at("2026-01-26"), died="2026-05-07")
    c2 = case("c2", at("2026-02-13"))
    c3 = case("c3", at("2026-02-04"), "emergency", died="2026-03-07")
    c4 = case("c4", at("2026-03-02"), "emergency")
    c5 = case("c5", at("2025-11-20"))
    c6 = case("c6", at("2026-02-26"))
    c7 = case("c7", at("2026-03-01"), ambulatory=False, died="2026-06-03")
    item(c5, w.m_before, 1)
    i1, i3 = item(c1, w.m1, 1), item(c3, w.m1, 2)
    i2, i4 = item(c2, w.m2, 1), item(c4, w.m2, 2)
    item(c5, w.m2, 3)
    i6, i7 = item(c6, w.m2, 4), item(c7, w.m2, 5)

    p1 = plan(i1, at("2026-02-06"))
    activity(p1, "surgery", completed="2026-02-16")
    activity(p1, "radiation", completed="2026-03-01", regimen="30 Gy/10")
    p2 = plan(i2, at("2026-03-08"))
    activity(p2, "radiation", completed="2026-03-12", regimen="24 Gy/2")
    activity(p2, "pain", status="planned", due="2026-03-20")
    p3 = plan(i3, at("2026-02-05", 20))
    activity(p3, "radiation", completed="2026-02-07", regimen="8 Gy x 1")
    activity(p3, "palliative", status="cancelled")
    plan(i4, at("2026-03-05", 10), ConsensusPlan.Outcome.DEFERRED, needed="Needs  an MRI")
    p6 = plan(i6, at("2026-03-06"))
    activity(p6, "radiation", completed="2026-03-10", regimen="20 Gy/5")
    activity(p6, "rehabilitation", status="deviated", completed="2026-03-20")
    p7 = plan(i7, at("2026-03-05", 12))
    activity(p7, "radiation", completed="2026-03-06", regimen="8 Gy x 1")

    surgeon, radon = spec["spine_surgery"], spec["radiation_oncology"]
    opinion(c1, w.m1, surgeon, ["separation_surgery", "sbrt"], at("2026-02-03"))
    opinion(c1, w.m1, radon, ["separation_surgery", "cebrt"], at("2026-02-04", 9))
    opinion(c3, w.m1, radon, ["no_surgery", "cebrt"], at("2026-02-04", 7))
    opinion(c2, w.m2, surgeon, ["no_surgery", "sbrt"], at("2026-03-01"))
    opinion(c4, w.m2, spec["medical_oncology"], ["systemic_start"], at("2026-03-05", 7))

    for c, (procedures, radiation) in {
        c1: (["separation_surgery"], "srs"),
        c3: ([], "cebrt"),
    }.items():
        StoredAssessment.objects.create(
            case=c,
            assessment=_noms(procedures, radiation),
            fingerprint="x",
            context_fingerprint="x",
            computed_at=at("2026-02-01"),
        )

    for meeting, people in {
        w.m1: [
            (cast.coordinator, "in_person"),
            (cast.chair, "in_person"),
            (surgeon, "in_person"),
            (radon, "remote"),
        ],
        w.m2: [(cast.chair, "in_person"), (surgeon, "absent"), (radon, "in_person")],
    }.items():
        for user, mode in people:
            Attendance.objects.create(meeting=meeting, user=user, mode=mode)

    follow_up(p1, c1, 42, "2026-03-20", "independent", 3)
    follow_up(p2, c2, 91, "2026-06-07", "with_aid", 2)
    follow_up(p6, c6, 91, "2026-05-05", "non_ambulatory", 5)
    return w
