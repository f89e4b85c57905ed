"""Pre-meeting summaries: content, disagreement detection, versions, staleness, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.models import Opinion, PreMeetingSummary, SummaryPreparation
from recommendations.summaries import services as summaries
from scheduling.models import Invitation
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    LesionFactory,
    MeetingFactory,
    SpecialistProfileFactory,
    UserFactory,
)
from tumorboard import roles

pytestmark = pytest.mark.django_db

WALTER = {
    "primary_site": "renal_cell",
    "histology": "Clear-cell renal cell carcinoma",
    "histology_confirmed": True,
    "kps": 70,
    "extraspinal_bone_mets": 1,
    "vertebral_body_mets": 1,
    "visceral_mets": "removable",
    "frankel_grade": "D",
    "neuro_deficits": "Bilateral leg weakness",
    "neuro_progression": "days",
    "ambulatory": True,
    "pain_score": 7,
    "analgesics": "Oxycodone",
    "fit_for_surgery": True,
    "expected_survival_months": 12,
    "goals_ranked": ["walking", "independence"],
    "goals_notes": "I want to keep walking my dog.",
}


# --- helpers shared with the other summary test modules ---------------------------------------


def walter_case(board, **overrides):
    """Demo case 1: renal cell, T10 SINS 9, ESCC 3, KPS 70: NOMS separation surgery + SRS."""
    case = CaseFactory(board=board, **(WALTER | overrides))
    LesionFactory(case=case)
    return case


def agenda(board, n: int = 1, *, meeting=None, **case_fields):
    """A meeting of `board` with n complete cases on its agenda; returns (meeting, items)."""
    meeting = meeting or MeetingFactory(board=board)
    items = [
        AgendaItemFactory(meeting=meeting, case=walter_case(board, **case_fields), position=i + 1)
        for i in range(n)
    ]
    return meeting, items


def give_opinion(item, user, options, *, discipline=None, **fields) -> Opinion:
    defaults = {
        "rationale": "Reasoned from the imaging and the patient's goals.",
        "confidence": Opinion.Confidence.MODERATE,
        "submitted_at": timezone.now(),
    }
    return Opinion.objects.create(
        case=item.case,
        meeting=item.meeting,
        author=user,
        discipline=discipline or user.specialist_profile.discipline,
        options=options,
        **(defaults | fields),
    )


def extra_specialist(board, discipline, name):
    from tests.factories import MembershipFactory

    user = UserFactory(username=name, roles=[roles.SPECIALIST])
    SpecialistProfileFactory(user=user, discipline=discipline, title="Consultant")
    MembershipFactory(board=board, user=user)
    return user


# --- content ------------------------------------------------------------------------------------


def test_summary_has_the_case_in_brief_scores_and_noms(cast):
    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"], urgency="urgent")

    summary = summaries.summary_prepare(item.pk)

    content = summary.content
    case = content["case"]
    assert case["uuid"] == str(item.case.uuid)
    assert case["primary"]["label"] == "Renal cell (kidney)"
    assert case["primary"]["histology_confirmed"] is True
    assert case["extent"]["visceral_mets"] == "Present, removable"
    assert case["extent"]["lesions"][0]["level"] == "T10"
    assert case["neuro"]["frankel_grade"] == "D"
    assert case["neuro"]["progression_label"] == "Progressing over days"
    assert case["performance"]["kps"] == 70
    assert case["pain"] == {"score": 7, "analgesics": "Oxycodone", "mechanical_levels": ["T10"]}
    assert case["goals"]["ranked"] == ["Walking", "Independence"]
    assert case["goals"]["notes"] == "I want to keep walking my dog."
    (noms,) = content["noms"]
    assert noms["level"] == "T10"
    assert noms["procedures"] == ["separation_surgery", "cement_augmentation"]
    assert noms["radiation"] == "srs"
    assert noms["suggestion"] == "Separation surgery + cement augmentation, then SRS/SBRT"
    assert noms["confirmed"] is True
    assert content["assessment"]["tokuhashi_revised"]["result"]["total"] == 9
    assert [f["code"] for f in content["flags"]] == ["cord_compression"]
    (opinion,) = content["opinions"]
    assert opinion["discipline"] == "spine_surgery"
    assert opinion["options"] == [{"value": "separation_surgery", "label": "Separation surgery"}]
    assert opinion["urgency"] == "urgent"


def test_summary_content_names_no_patient(cast):
    meeting, (item,) = agenda(cast.board)
    patient = item.case.patient
    summary = summaries.summary_prepare(item.pk)
    text = str(summary.content)
    assert patient.mrn not in text
    assert patient.family_name not in text


def test_prior_treatment_is_summarised(cast):
    from cases.models import PriorTreatment

    meeting, (item,) = agenda(cast.board)
    PriorTreatment.objects.create(
        case=item.case,
        kind="radiation",
        level_from="T9",
        level_to="T11",
        treated_on=dt.date(2025, 3, 1),
        dose_gy=20,
        fractions=5,
    )
    content = summaries.summary_prepare(item.pk).content
    (treatment,) = content["case"]["prior_treatments"]
    assert treatment["label"] == "Radiation"
    assert treatment["levels"] == "T9–T11"
    assert treatment["fractions"] == 5


# --- comparing opinions -----------------------------------------------------------------------


def test_disagreement_on_surgery_and_urgency_is_detected(cast):
    meeting, (item,) = agenda(cast.board)
    second_surgeon = extra_specialist(cast.board, "spine_surgery", "surgeon2")
    give_opinion(item, cast.surgeon, ["separation_surgery"], urgency="urgent")
    give_opinion(item, second_surgeon, ["no_surgery"], urgency="routine")
    give_opinion(
        item,
        cast.specialists["radiation_oncology"],
        ["sbrt"],
        regimen="24 Gy/2",
        urgency="urgent",
    )

    content = summaries.summary_prepare(item.pk).content

    by_question = {entry["question"]: entry for entry in content["disagreements"]}
    assert set(by_question) == {"surgery", "urgency"}
    surgery = by_question["surgery"]
    assert {p["answer"]: len(p["opinions"]) for p in surgery["positions"]} == {"yes": 1, "no": 1}
    assert surgery["noms"] == ["yes"]
    urgency = by_question["urgency"]
    assert {p["answer"]: len(p["opinions"]) for p in urgency["positions"]} == {
        "urgent": 2,
        "routine": 1,
    }
    texts = [q["text"] for q in content["questions_to_settle"] if q["kind"] == "disagreement"]
    first, second = cast.surgeon.get_full_name(), second_surgeon.get_full_name()
    assert texts == [
        f"Surgery or not: yes (Spine surgery: {first}); no (Spine surgery: {second}).",
        f"How urgently: urgent (Radiation oncology, Spine surgery: {first}); "
        f"routine (Spine surgery: {second}).",
    ]


def test_agreement_needs_two_opinions_giving_the_same_answer(cast):
    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.specialists["medical_oncology"], ["systemic_start"])
    give_opinion(item, cast.chair, ["systemic_change"], discipline="medical_oncology")
    give_opinion(item, cast.specialists["radiation_oncology"], ["sbrt"], regimen="24 Gy/2")

    content = summaries.summary_prepare(item.pk).content

    assert content["disagreements"] == []
    agreed = {entry["question"]: entry for entry in content["agreements"]}
    assert set(agreed) == {"systemic_therapy", "urgency"}
    assert agreed["systemic_therapy"]["positions"][0]["answer"] == "yes"
    single = [e["question"] for e in content["comparison"] if e["status"] == "single"]
    assert single == ["radiation_technique"]


def test_cebrt_against_sbrt_via_a_reirradiation_regimen(cast):
    meeting, (item,) = agenda(cast.board)
    radonc2 = extra_specialist(cast.board, "radiation_oncology", "radonc2")
    give_opinion(item, cast.specialists["radiation_oncology"], ["cebrt"], regimen="8 Gy x 1")
    give_opinion(item, radonc2, ["reirradiation"], regimen="24 Gy/2")

    content = summaries.summary_prepare(item.pk).content

    (entry,) = content["disagreements"]
    assert entry["question"] == "radiation_technique"
    assert [p["answer"] for p in entry["positions"]] == ["cebrt", "sbrt"]


def test_opinions_that_differ_from_noms_are_a_question_to_settle(cast):
    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.surgeon, ["no_surgery"])

    content = summaries.summary_prepare(item.pk).content

    differs = [q["text"] for q in content["questions_to_settle"] if q["kind"] == "noms_differs"]
    assert differs == ["Surgery or not: the opinions say no (Spine surgery); NOMS suggests yes."]
    missing = [q["text"] for q in content["questions_to_settle"] if q["kind"] == "missing_opinion"]
    assert missing == [
        "No opinion yet from Radiation oncology (a required discipline).",
        "No opinion yet from Medical oncology (a required discipline).",
    ]


def test_missing_opinions_count_required_and_invited_disciplines(cast):
    meeting, (item,) = agenda(cast.board)  # required: surgery, radiation, medical oncology
    Invitation.objects.create(
        meeting=meeting, user=cast.specialists["pain_medicine"], discipline="pain_medicine"
    )
    Invitation.objects.create(
        meeting=meeting,
        user=cast.specialists["rehabilitation"],
        discipline="rehabilitation",
        response=Invitation.Response.DECLINED,
    )
    give_opinion(item, cast.surgeon, ["separation_surgery"])

    content = summaries.summary_prepare(item.pk).content

    assert [m["discipline"] for m in content["missing_opinions"]] == [
        "radiation_oncology",
        "medical_oncology",
        "pain_medicine",
    ]
    pain = content["missing_opinions"][-1]
    assert pain["invited"] is True and pain["required"] is False


def test_missing_data_and_questions_to_settle(cast):
    meeting, (item,) = agenda(cast.board, kps=None, goals_ranked=[], goals_notes="")
    give_opinion(
        item,
        cast.surgeon,
        ["separation_surgery"],
        questions_for_board="Is the lung disease controlled enough for surgery?",
        data_needed="CT chest from this month",
    )

    content = summaries.summary_prepare(item.pk).content

    missing = {entry["item"]: entry["missing"] for entry in content["missing_data"]}
    assert missing["Revised Tokuhashi"] == ["Karnofsky (KPS)"]
    assert missing["The patient's goals"] == ["not recorded"]
    assert missing["Asked for by Spine surgery"] == ["CT chest from this month"]
    kinds = [q["kind"] for q in content["questions_to_settle"]]
    assert "asked" in kinds and "missing_data" in kinds
    asked = next(q for q in content["questions_to_settle"] if q["kind"] == "asked")
    assert asked["text"] == "Spine surgery asks: Is the lung disease controlled enough for surgery?"


def test_an_unconfirmed_noms_row_is_a_question_to_settle(cast):
    # Radioresistant, high grade, not fit for surgery: the unconfirmed row no_resistant_high_unfit.
    meeting, (item,) = agenda(cast.board, fit_for_surgery=False)

    content = summaries.summary_prepare(item.pk).content

    (noms,) = content["noms"]
    assert noms["confirmed"] is False
    assert noms["unconfirmed_rules"] == ["no_resistant_high_unfit"]
    unconfirmed = [q for q in content["questions_to_settle"] if q["kind"] == "unconfirmed_noms"]
    assert len(unconfirmed) == 1
    assert unconfirmed[0]["text"].startswith("T10: NOMS row no_resistant_high_unfit")


# --- versions, idempotency, staleness -----------------------------------------------------------


def test_preparing_twice_with_the_same_inputs_makes_one_version(cast):
    meeting, (item,) = agenda(cast.board)
    first = summaries.summary_prepare(item.pk)
    second = summaries.summary_prepare(item.pk)
    assert first.pk == second.pk
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1
    assert SummaryPreparation.objects.get(agenda_item=item).status == "done"


def test_a_changed_opinion_makes_the_summary_stale_and_the_next_run_a_new_version(cast):
    meeting, (item,) = agenda(cast.board)
    opinion = give_opinion(item, cast.surgeon, ["separation_surgery"])
    v1 = summaries.summary_prepare(item.pk)
    assert summaries.summary_is_stale(item) is False

    opinion.options = ["no_surgery"]
    opinion.revision += 1
    opinion.save()
    assert summaries.summary_is_stale(item) is True

    v2 = summaries.summary_prepare(item.pk)
    assert (v1.version, v2.version) == (1, 2)
    assert v2.content["opinions"][0]["options"][0]["value"] == "no_surgery"
    assert v2.inputs["opinions"][str(opinion.pk)]["revision"] == 2
    assert summaries.summary_is_stale(item) is False


@pytest.mark.parametrize(
    "change",
    ["case", "lesion", "new_opinion", "board_setting", "invitation"],
)
def test_each_input_change_makes_the_summary_stale(cast, change):
    meeting, (item,) = agenda(cast.board)
    summaries.summary_prepare(item.pk)
    if change == "case":
        item.case.kps = 80
        item.case.save()
    elif change == "lesion":
        lesion = item.case.lesions.get()
        lesion.escc_grade = "1a"
        lesion.save()
    elif change == "new_opinion":
        give_opinion(item, cast.surgeon, ["separation_surgery"])
    elif change == "board_setting":
        cast.board.escc_1c_high_grade = True
        cast.board.save()
    else:
        Invitation.objects.create(
            meeting=meeting, user=cast.specialists["pain_medicine"], discipline="pain_medicine"
        )
    assert summaries.summary_is_stale(item) is True


def test_an_opinion_on_another_meeting_does_not_make_it_stale(cast):
    meeting, (item,) = agenda(cast.board)
    summaries.summary_prepare(item.pk)
    later = MeetingFactory(board=cast.board, starts_at=meeting.starts_at + dt.timedelta(days=7))
    Opinion.objects.create(
        case=item.case,
        meeting=later,
        author=cast.surgeon,
        discipline="spine_surgery",
        options=["no_surgery"],
        rationale="Later view.",
        confidence="low",
        submitted_at=timezone.now(),
    )
    assert summaries.summary_is_stale(item) is False


def test_a_failure_half_way_leaves_no_summary_and_a_retry_completes(cast, monkeypatch):
    meeting, (item,) = agenda(cast.board)

    def crash(preparation_id):
        # The summary row has been inserted by now: the failure must take it back.
        assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1
        raise RuntimeError("worker lost")

    monkeypatch.setattr(summaries, "_preparation_finish", crash)
    with pytest.raises(RuntimeError):
        summaries.summary_prepare(item.pk)
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 0

    monkeypatch.undo()
    summary = summaries.summary_prepare(item.pk)
    assert summary.version == 1
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


# --- requesting, progress, regeneration --------------------------------------------------------


def test_meeting_prepare_request_queues_every_item_and_enqueues_on_commit(
    cast, django_capture_on_commit_callbacks
):
    meeting, items = agenda(cast.board, 3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        progress = summaries.meeting_prepare_request(meeting=meeting, by=cast.coordinator)
    assert len(callbacks) == 3
    assert (progress.total, progress.queued, progress.prepared) == (3, 3, 0)
    assert PreMeetingSummary.objects.count() == 0  # nothing runs before the commit

    for callback in callbacks:  # eager Celery in tests: the tasks run here
        callback()
    progress = summaries.meeting_preparation_progress(meeting)
    assert (progress.total, progress.prepared, progress.failed) == (3, 3, 0)
    assert progress.complete is True
    assert [entry.version for entry in progress.items] == [1, 1, 1]


def test_a_closed_meeting_cannot_be_prepared(cast):
    from tumorboard.errors import ApplicationError

    meeting, items = agenda(cast.board, 1)
    meeting.status = "closed"
    meeting.save()
    with pytest.raises(ApplicationError, match="closed"):
        summaries.meeting_prepare_request(meeting=meeting, by=cast.coordinator)


def test_progress_lists_failures_with_their_reason_and_interrupted_runs(cast):
    meeting, items = agenda(cast.board, 3)
    now = timezone.now()
    SummaryPreparation.objects.create(
        agenda_item=items[0], status="failed", error="Timed out after 60 seconds.", attempts=1
    )
    SummaryPreparation.objects.create(
        agenda_item=items[1], status="running", started_at=now - dt.timedelta(hours=1)
    )
    progress = summaries.meeting_preparation_progress(meeting)
    assert (progress.failed, progress.not_requested, progress.prepared) == (2, 1, 0)
    reasons = [entry.error for entry in progress.failures]
    assert reasons[0] == "Timed out after 60 seconds."
    assert reasons[1].startswith("Interrupted")


def test_retry_is_for_failed_items_only(cast, django_capture_on_commit_callbacks):
    from tumorboard.errors import ConflictError

    meeting, (item,) = agenda(cast.board)
    SummaryPreparation.objects.create(agenda_item=item, status="done", requested_at=timezone.now())
    with pytest.raises(ConflictError):
        summaries.preparation_retry(agenda_item=item, by=cast.coordinator)

    SummaryPreparation.objects.filter(agenda_item=item).update(status="failed", error="x")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summaries.preparation_retry(agenda_item=item, by=cast.coordinator)
    assert len(callbacks) == 1
    preparation = SummaryPreparation.objects.get(agenda_item=item)
    assert (preparation.status, preparation.error) == ("done", "")
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


def test_a_case_change_schedules_a_delayed_regeneration_on_commit(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    from recommendations.summaries import tasks

    meeting, (item,) = agenda(cast.board)
    summaries.summary_prepare(item.pk)
    sent = []
    monkeypatch.setattr(
        tasks.prepare_agenda_item_summary,
        "apply_async",
        lambda args, **options: sent.append((args, options)),
    )
    item.case.kps = 80
    item.case.save()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert summaries.summaries_refresh_for_case(item.case_id) == [item.pk]
    assert sent == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert sent == [([item.pk], {"countdown": summaries.DEBOUNCE_SECONDS})]
    assert SummaryPreparation.objects.get(agenda_item=item).status == "queued"


def test_repeated_changes_within_the_delay_make_one_new_version(
    cast, django_capture_on_commit_callbacks
):
    meeting, (item,) = agenda(cast.board)
    summaries.summary_prepare(item.pk)
    callbacks = []
    for kps in (80, 90, 60):
        item.case.kps = kps
        item.case.save()
        with django_capture_on_commit_callbacks(execute=False) as captured:
            summaries.summaries_refresh_for_case(item.case_id)
        callbacks += captured
    assert SummaryPreparation.objects.get(agenda_item=item).status == "queued"
    for callback in callbacks:  # the delayed tasks, run after the last change
        callback()
    versions = list(PreMeetingSummary.objects.filter(agenda_item=item).values_list("version"))
    assert versions == [(2,), (1,)]
    latest = PreMeetingSummary.objects.get(agenda_item=item, version=2)
    assert latest.content["case"]["performance"]["kps"] == 60


def test_refresh_ignores_items_never_requested_and_closed_meetings(cast):
    meeting, (item,) = agenda(cast.board)
    assert summaries.summaries_refresh_for_case(item.case_id) == []
    summaries.summary_prepare(item.pk)
    meeting.status = "cancelled"
    meeting.save()
    assert summaries.summaries_refresh_for_case(item.case_id) == []


def test_meetings_are_due_once_their_opinion_deadline_passes(cast):
    now = timezone.now()
    cast.board.opinion_deadline_hours = 24
    cast.board.save()
    due_meeting, due_items = agenda(
        cast.board,
        2,
        meeting=MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(hours=20)),
    )
    agenda(
        cast.board,
        1,
        meeting=MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(hours=30)),
    )
    # Prepared early (before the deadline): prepared again at the deadline.
    SummaryPreparation.objects.create(
        agenda_item=due_items[0], status="done", requested_at=now - dt.timedelta(hours=10)
    )

    due = summaries.meetings_due_for_preparation(now)
    assert [(m.pk, [i.pk for i in items]) for m, items in due] == [
        (due_meeting.pk, [due_items[0].pk, due_items[1].pk])
    ]

    summaries.meeting_prepare_request(meeting=due_meeting, by=None, items=due[0][1])
    assert summaries.meetings_due_for_preparation(now + dt.timedelta(minutes=5)) == []


# --- query counts -------------------------------------------------------------------------------


def _queries_to_prepare(item_ids) -> int:
    with CaptureQueriesContext(connection) as queries:
        for pk in item_ids:
            summaries.summary_prepare(pk)
    return len(queries)


def test_queries_per_summary_do_not_grow_with_the_number_of_opinions(cast):
    meeting, (one, five) = agenda(cast.board, 2)
    give_opinion(one, cast.surgeon, ["separation_surgery"])
    for user in [cast.chair, *cast.specialists.values()]:
        give_opinion(five, user, [])
    assert Opinion.objects.filter(case=five.case).count() == 6

    assert _queries_to_prepare([one.pk]) == _queries_to_prepare([five.pk])


def test_queries_to_prepare_a_meeting_grow_by_a_constant_per_item(cast):
    small, small_items = agenda(cast.board, 2)
    large, large_items = agenda(cast.board, 8)
    for item in [*small_items, *large_items]:
        give_opinion(item, cast.surgeon, ["separation_surgery"])

    two = _queries_to_prepare([item.pk for item in small_items])
    eight = _queries_to_prepare([item.pk for item in large_items])
    assert eight == 4 * two
    assert two / 2 <= 15  # per summary, creating its preparation row on the way


def test_progress_and_packet_queries_do_not_grow_with_the_agenda(cast):
    small, small_items = agenda(cast.board, 2)
    large, large_items = agenda(cast.board, 8)
    for item in [*small_items, *large_items]:
        give_opinion(item, cast.surgeon, ["separation_surgery"])
        summaries.summary_prepare(item.pk)

    def count(meeting):
        with CaptureQueriesContext(connection) as queries:
            summaries.meeting_preparation_progress(meeting)
            entries = summaries.meeting_packet(meeting)
        assert all(entry.summary is not None for entry in entries)
        return len(queries)

    assert count(small) == count(large)


def test_preparing_a_removed_item_raises_and_writes_nothing(cast):
    from scheduling.models import AgendaItem

    with pytest.raises(AgendaItem.DoesNotExist):
        summaries.summary_prepare(987654)
    assert SummaryPreparation.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_for_one_item_store_one_version(cast):
    import threading

    from django.db import connections

    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    barrier = threading.Barrier(4)
    versions, errors = [], []

    def prepare():
        try:
            barrier.wait(timeout=10)
            versions.append(summaries.summary_prepare(item.pk).version)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=prepare) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert versions == [1, 1, 1, 1]
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1
