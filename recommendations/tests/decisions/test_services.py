"""Meeting mode services: the pre-filled decision record, versions, the plan and its activities,
sign-off with and without quorum, the locked plan, amendments and their history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases.models import Case
from recommendations.decisions import services as decisions
from recommendations.decisions.selectors import plan_history
from recommendations.decisions.services import ActivityChange
from recommendations.models import (
    ConsensusPlan,
    DecisionRecord,
    PlanActivity,
    PlanAmendment,
    PreMeetingSummary,
)
from recommendations.tests.decisions.test_common import (
    agenda,
    give_opinion,
    quorum,
    ready_to_sign,
)
from scheduling.models import AgendaItem, Meeting, Notification
from tests.factories import MeetingFactory
from tumorboard.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db

SUMMARY_CONTENT = {
    "schema": 1,
    "noms": [
        {
            "level": "T10",
            "computable": True,
            "suggestion": "Separation surgery, then SRS/SBRT",
            "confirmed": True,
            "regimens": ["24 Gy/2", "27 Gy/3"],
        },
        {"level": "L2", "computable": False, "missing": ["ESCC (Bilsky) grade"]},
    ],
    "opinions": [
        {
            "discipline": "radiation_oncology",
            "options": [{"value": "sbrt", "label": "Stereotactic body radiotherapy (SBRT/SRS)"}],
            "regimen": "24 Gy/2",
            "questions_for_board": "Is the cord decompressed enough for SBRT?",
            "data_needed": "",
        },
        {
            "discipline": "spine_surgery",
            "options": [{"value": "no_surgery", "label": "No surgery"}],
            "regimen": "",
            "questions_for_board": "",
            "data_needed": "",
        },
    ],
    "questions_to_settle": [
        {"kind": "disagreement", "text": "Surgery or not: yes (NOMS); no (Spine surgery)."},
        {"kind": "missing_data", "text": "L2 NOMS: ESCC (Bilsky) grade."},
    ],
    "missing_data": [{"item": "L2 NOMS", "missing": ["ESCC (Bilsky) grade"]}],
}


def option_names(record) -> list[str]:
    return [option["option"] for option in record.options]


# --- pre-fill ---------------------------------------------------------------------------------


def test_open_prefills_from_noms_and_the_opinions_without_a_summary(cast):
    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"], questions_for_board="Fixation?")
    rad = cast.specialists["radiation_oncology"]
    give_opinion(item, rad, ["sbrt"], regimen="24 Gy/2", data_needed="Planning CT")

    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)

    assert record.prefilled_from is None
    assert option_names(record) == [
        "NOMS at T10: Separation surgery, then Cement augmentation (vertebro-/kyphoplasty), "
        "then Stereotactic body radiotherapy (SBRT/SRS)",
        "Stereotactic body radiotherapy (SBRT/SRS): 24 Gy/2",
        "Separation surgery",
    ]
    assert [o["source"] for o in record.options] == ["noms", "opinion", "opinion"]
    assert record.options[0]["benefits"] == {
        "neurological": "",
        "local_control": "",
        "pain_quality_of_life": "",
        "recovery_time": "",
    }
    assert record.options[0]["risks"] == record.options[0]["benefits"]
    assert record.patient_goals.splitlines()[:2] == [
        "Goals, most important first: 1. Walking; 2. Independence.",
        "In the patient's words: I want to keep walking my dog.",
    ]
    assert record.uncertainties == "Spine surgery: Fixation?"
    assert record.information_needed == "Radiation oncology: Planning CT"
    plan = ConsensusPlan.objects.get(decision=record)
    assert (plan.status, plan.version, plan.outcome) == ("draft", 1, "")


def test_open_prefills_from_the_latest_summary(cast):
    meeting, (item,) = agenda(cast.board)
    old = {"noms": [{"level": "T10", "computable": True, "suggestion": "cEBRT"}]}
    PreMeetingSummary.objects.create(
        agenda_item=item, version=1, content=old, inputs={}, inputs_fingerprint="a"
    )
    latest = PreMeetingSummary.objects.create(
        agenda_item=item, version=2, content=SUMMARY_CONTENT, inputs={}, inputs_fingerprint="b"
    )

    record = decisions.decision_record_open(agenda_item=item, by=cast.chair)

    assert record.prefilled_from == latest
    assert option_names(record) == [
        "NOMS at T10: Separation surgery, then SRS/SBRT",
        "Stereotactic body radiotherapy (SBRT/SRS): 24 Gy/2",
        "No surgery",
    ]
    assert record.uncertainties == "Surgery or not: yes (NOMS); no (Spine surgery)."
    assert record.information_needed == "L2 NOMS: ESCC (Bilsky) grade"


def test_open_prefills_from_a_summary_the_summaries_module_prepared(cast):
    from recommendations.summaries.preparation import summary_prepare

    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    summary = summary_prepare(item.pk)

    record = decisions.decision_record_open(agenda_item=item, by=cast.chair)

    assert record.prefilled_from == summary
    assert record.options[0]["source"] == "noms"
    assert record.options[0]["option"].startswith("NOMS at T10: ")
    assert "Separation surgery" in option_names(record)


def test_an_unconfirmed_noms_row_is_labelled_in_the_option(cast):
    meeting, (item,) = agenda(cast.board)
    item.case.fit_for_surgery = False
    item.case.save()
    record = decisions.decision_record_open(agenda_item=item, by=cast.chair)
    assert "[unconfirmed NOMS row" in record.options[0]["option"]


def test_open_is_idempotent_and_for_board_members_only(cast):
    meeting, (item,) = agenda(cast.board)
    with pytest.raises(PermissionDenied):
        decisions.decision_record_open(agenda_item=item, by=cast.outsider)
    first = decisions.decision_record_open(agenda_item=item, by=cast.surgeon)
    again = decisions.decision_record_open(agenda_item=item, by=cast.chair)
    assert again.pk == first.pk
    assert DecisionRecord.objects.filter(agenda_item=item).count() == 1
    assert ConsensusPlan.objects.filter(decision=first).count() == 1


# --- the decision record ----------------------------------------------------------------------


def test_update_moves_the_version_and_keeps_an_attributed_history(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    options = [*record.options, {"option": "Radiotherapy alone", "source": "board"}]
    options[0]["benefits"]["neurological"] = "Decompression protects the cord."
    record = decisions.decision_record_update(
        record=record, expected_version=1, by=cast.surgeon, options=options
    )
    assert record.version == 2
    assert record.options[-1]["source"] == "board"
    assert record.options[-1]["risks"]["recovery_time"] == ""
    assert record.options[0]["benefits"]["neurological"] == "Decompression protects the cord."
    rows = list(record.history.order_by("history_id"))
    assert [(r.history_type, r.version, r.history_user) for r in rows] == [
        ("+", 1, cast.coordinator),
        ("~", 2, cast.surgeon),
    ]


def test_a_stale_update_is_refused_with_the_current_record_and_nothing_is_lost(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    decisions.decision_record_update(
        record=record, expected_version=1, by=cast.surgeon, uncertainties="Cord margin?"
    )
    with pytest.raises(decisions.StaleVersionError) as caught:
        decisions.decision_record_update(
            record=record, expected_version=1, by=cast.chair, uncertainties="Overwrite"
        )
    assert caught.value.current.version == 2
    assert caught.value.current.uncertainties == "Cord margin?"
    record.refresh_from_db()
    assert (record.version, record.uncertainties) == (2, "Cord margin?")


def test_an_update_must_name_its_version(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    with pytest.raises(decisions.VersionRequiredError):
        decisions.decision_record_update(
            record=record, expected_version=None, by=cast.chair, uncertainties="x"
        )


def test_a_save_that_changes_nothing_keeps_the_version(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    same = decisions.decision_record_update(
        record=record, expected_version=1, by=cast.chair, uncertainties=record.uncertainties
    )
    assert same.version == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([{"option": ""}], "Option 1: name the option."),
        ([{"option": "A"}, {"option": "a"}], "Option 2: “a” is listed twice."),
        ([{"option": "A", "benefits": {"mood": "x"}}], "Option 1 benefits: unknown heading"),
        ([{"option": "A", "source": "guess"}], "Option 1: source must be one of"),
        ([{"option": "A", "colour": "red"}], "Option 1: colour cannot be set on an option."),
        ("A", "Give a list of options."),
    ],
)
def test_bad_options_are_refused_with_a_message(cast, options, message):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    with pytest.raises(ApplicationError) as caught:
        decisions.decision_record_update(
            record=record, expected_version=1, by=cast.chair, options=options
        )
    assert any(m.startswith(message) for m in caught.value.fields["options"])
    record.refresh_from_db()
    assert record.version == 1


def test_not_involving_the_patient_needs_a_reason(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    with pytest.raises(ApplicationError) as caught:
        decisions.decision_record_update(
            record=record, expected_version=1, by=cast.chair, patient_involvement="not_involved"
        )
    assert "involvement_note" in caught.value.fields
    record = decisions.decision_record_update(
        record=record,
        expected_version=1,
        by=cast.chair,
        patient_involvement="not_involved",
        involvement_note="Sedated in intensive care; family to be seen tomorrow.",
    )
    assert record.version == 2


# --- the plan and its activities ---------------------------------------------------------------


def test_plan_save_adds_changes_and_removes_activities_in_one_version(cast):
    meeting, (item,) = agenda(cast.board)
    record, plan = ready_to_sign(cast, item)
    assert plan.version == 2
    surgery, radiation = plan.activities.order_by("position")
    assert (surgery.position, radiation.position) == (1, 2)
    assert radiation.details == {"regimen": "24 Gy/2", "timing": "after_surgery"}

    plan = decisions.plan_save(
        plan=plan,
        expected_version=2,
        by=cast.chair,
        fields={"summary": "Changed"},
        activities=[
            ActivityChange("change", activity=surgery, fields={"due_date": None}),
            ActivityChange("remove", activity=radiation),
            ActivityChange(
                "add",
                fields={
                    "kind": "imaging",
                    "description": "MRI whole spine",
                    "responsible_discipline": "radiology",
                    "details": {"interval": "6 weeks after surgery"},
                },
            ),
        ],
    )
    assert plan.version == 3
    assert [(a.description, a.due_date) for a in plan.activities.order_by("position")] == [
        ("Separation surgery T10", None),
        ("MRI whole spine", None),
    ]
    assert PlanActivity.history.filter(id=radiation.pk, history_type="-").exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "radiation", "details": {"surgery_type": "x"}}, "details", "is not a detail"),
        ({"kind": "radiation", "details": {"timing": "whenever"}}, "details", "choose one of"),
        ({"kind": "pain", "description": "", "details": {}}, "description", "Describe"),
        ({"kind": "pain", "responsible_discipline": ""}, "responsible_discipline", "Name the"),
        ({"kind": "dance"}, "kind", "Choose one of"),
    ],
)
def test_bad_activities_are_refused(cast, fields, field, message):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    good = {"kind": "pain", "description": "Analgesia", "responsible_discipline": "pain_medicine"}
    with pytest.raises(ApplicationError) as caught:
        decisions.activity_add(plan=record.plan, by=cast.chair, **(good | fields))
    assert any(message in m for m in caught.value.fields[field])
    assert not PlanActivity.objects.exists()


def test_the_responsible_person_must_be_a_board_member(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    fields = {"kind": "pain", "description": "Nerve block", "details": {"procedure": "nerve_block"}}
    with pytest.raises(ApplicationError) as caught:
        decisions.activity_add(
            plan=record.plan, by=cast.chair, responsible_user=cast.outsider, **fields
        )
    assert "responsible_user" in caught.value.fields
    activity = decisions.activity_add(
        plan=record.plan,
        by=cast.chair,
        responsible_user=cast.specialists["pain_medicine"],
        **fields,
    )
    assert activity.responsible_user == cast.specialists["pain_medicine"]


def test_adding_an_activity_moves_the_plan_version_so_an_older_screen_is_stale(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    decisions.activity_add(
        plan=record.plan,
        by=cast.surgeon,
        kind="surgery",
        description="Separation surgery",
        responsible_discipline="spine_surgery",
    )
    with pytest.raises(decisions.StaleVersionError):
        decisions.plan_update(plan=record.plan, expected_version=1, by=cast.chair, outcome="agreed")
    assert ConsensusPlan.objects.get(pk=record.plan.pk).outcome == ""


def _activity(cast, **fields):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.coordinator)
    return decisions.activity_add(
        plan=record.plan,
        by=cast.chair,
        kind="rehabilitation",
        description="Physiotherapy",
        responsible_discipline="rehabilitation",
        details={"goals": "Walk 50 m", "bracing": "TLSO", "therapy": "Daily physiotherapy"},
        **fields,
    )


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (["in_progress", "done"], ""),
        (["done"], ""),
        (["in_progress", "not_done"], "Patient too unwell"),
        (["changed_by_patient"], "Prefers to stay at home"),
    ],
)
def test_allowed_activity_status_changes(cast, path, reason):
    activity = _activity(cast)
    for status in path:
        activity = decisions.activity_set_status(
            activity=activity, status=status, reason=reason, by=cast.specialists["rehabilitation"]
        )
    activity.refresh_from_db()
    assert (activity.status, activity.status_reason) == (path[-1], reason)
    assert activity.history.count() == 1 + len(path)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["done"], "in_progress"),
        (["done"], "planned"),
        (["in_progress"], "planned"),
        (["not_done"], "done"),
        ([], "planned"),
    ],
)
def test_refused_activity_status_changes(cast, path, refused):
    activity = _activity(cast)
    for status in path:
        activity = decisions.activity_set_status(
            activity=activity, status=status, reason="Reason", by=cast.chair
        )
    with pytest.raises(ApplicationError) as caught:
        decisions.activity_set_status(activity=activity, status=refused, reason="x", by=cast.chair)
    assert "status" in caught.value.fields
    activity.refresh_from_db()
    assert activity.status == (path[-1] if path else "planned")


@pytest.mark.parametrize("status", ["not_done", "changed_by_patient"])
def test_not_done_and_changed_need_a_reason(cast, status):
    activity = _activity(cast)
    with pytest.raises(ApplicationError) as caught:
        decisions.activity_set_status(activity=activity, status=status, reason=" ", by=cast.chair)
    assert "reason" in caught.value.fields
    activity.refresh_from_db()
    assert activity.status == "planned"


def test_status_is_recorded_by_board_members_and_the_owner_only(cast):
    activity = _activity(cast)
    with pytest.raises(PermissionDenied):
        decisions.activity_set_status(activity=activity, status="done", by=cast.outsider)
    decisions.activity_set_status(activity=activity, status="done", by=cast.surgeon)
    activity.refresh_from_db()
    assert activity.status == "done"


# --- sign-off -----------------------------------------------------------------------------------


def test_signing_without_quorum_is_refused_unless_a_reason_is_recorded(cast):
    meeting, (item,) = agenda(cast.board)
    record, plan = ready_to_sign(cast, item)
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_sign(plan=plan, by=cast.chair)
    assert caught.value.fields["quorum_override_reason"] == [
        "Quorum is not met (missing: Spine surgery, Radiation oncology, Medical oncology). "
        "Record why the board proceeds without it."
    ]
    plan.refresh_from_db()
    item.case.refresh_from_db()
    assert (plan.status, item.case.status) == ("draft", "scheduled")

    plan = decisions.plan_sign(
        plan=plan, by=cast.chair, quorum_override_reason="Cord compression: cannot wait a week."
    )
    plan.refresh_from_db()
    assert plan.status == "signed"
    assert plan.quorum_met is False
    assert plan.quorum_override_reason == "Cord compression: cannot wait a week."


def test_signing_with_quorum_locks_moves_the_case_and_notifies_the_owners(
    cast, django_capture_on_commit_callbacks
):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    with django_capture_on_commit_callbacks() as callbacks:
        plan = decisions.plan_sign(plan=plan, by=cast.chair, expected_version=plan.version)
    plan.refresh_from_db()
    assert (plan.status, plan.signed_by, plan.quorum_met) == ("signed", cast.chair, True)
    assert plan.quorum_override_reason == ""
    case = Case.objects.get(pk=item.case_id)
    assert case.status == "plan_signed"
    assert list(case.history.order_by("history_id").values_list("status", flat=True))[-2:] == [
        "discussed",
        "plan_signed",
    ]
    surgery, radiation = plan.activities.order_by("position")
    notes = Notification.objects.filter(kind="plan_activity").order_by("dedupe_key")
    assert sorted((n.recipient.username, n.dedupe_key) for n in notes) == sorted(
        [
            ("spec_spine_surgery", f"plan-activity:{surgery.uuid}:{cast.surgeon.pk}"),
            (
                "spec_radiation_oncology",
                f"plan-activity:{radiation.uuid}:{cast.specialists['radiation_oncology'].pk}",
            ),
        ]
    )
    assert all(n.link == f"/plans/{plan.uuid}/" for n in notes)
    assert all(case.patient.family_name not in n.subject + n.body for n in notes)
    assert len(callbacks) == 2  # one e-mail per notification, after the commit


@pytest.mark.parametrize("who", ["coordinator", "surgeon", "outsider"])
def test_only_the_chair_signs(cast, who):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    with pytest.raises(PermissionDenied):
        decisions.plan_sign(plan=plan, by=getattr(cast, who))
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert not Notification.objects.exists()


def test_signing_needs_an_outcome_activities_and_involvement(cast):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    record = decisions.decision_record_open(agenda_item=item, by=cast.chair)
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_sign(plan=record.plan, by=cast.chair)
    assert set(caught.value.fields) == {"outcome"}
    decisions.plan_update(plan=record.plan, expected_version=1, by=cast.chair, outcome="agreed")
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_sign(plan=record.plan, by=cast.chair)
    assert set(caught.value.fields) == {"activities", "patient_involvement"}


def test_signing_waits_for_the_meeting_to_start(cast):
    meeting, (item,) = agenda(cast.board, meeting=MeetingFactory(board=cast.board))
    record, plan = ready_to_sign(cast, item)
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_sign(plan=plan, by=cast.chair, quorum_override_reason="x")
    assert "once it has started" in caught.value.fields["plan"][0]


def test_a_signed_plan_is_locked(cast):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    plan = decisions.plan_sign(plan=plan, by=cast.chair)
    record.refresh_from_db()
    activity = plan.activities.first()
    attempts = [
        lambda: decisions.decision_record_update(
            record=record, expected_version=record.version, by=cast.chair, uncertainties="x"
        ),
        lambda: decisions.plan_update(
            plan=plan, expected_version=plan.version, by=cast.chair, summary="x"
        ),
        lambda: decisions.activity_add(
            plan=plan, by=cast.chair, kind="pain", description="x", responsible_discipline="x"
        ),
        lambda: decisions.activity_update(
            activity=activity, expected_version=plan.version, by=cast.chair, description="x"
        ),
        lambda: decisions.activity_remove(
            activity=activity, expected_version=plan.version, by=cast.chair
        ),
        lambda: decisions.dissent_add(plan=plan, member=cast.surgeon, view="x", by=cast.chair),
        lambda: decisions.plan_sign(plan=plan, by=cast.chair),
    ]
    for attempt in attempts:
        with pytest.raises(ConflictError) as caught:
            attempt()
        assert caught.value.code == "locked"
    assert plan.activities.count() == 2
    assert ConsensusPlan.objects.get(pk=plan.pk).summary == "Separation surgery at T10, then SBRT."


def test_activity_status_is_follow_up_and_allowed_on_a_signed_plan(cast):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    plan = decisions.plan_sign(plan=plan, by=cast.chair)
    activity = plan.activities.get(kind="surgery")
    decisions.activity_set_status(activity=activity, status="in_progress", by=cast.surgeon)
    activity.refresh_from_db()
    plan.refresh_from_db()
    assert activity.status == "in_progress"
    assert plan.version == 3  # the plan itself did not change


def test_dissent_is_recorded_by_name(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.chair)
    with pytest.raises(ApplicationError):
        decisions.dissent_add(plan=record.plan, member=cast.outsider, view="No", by=cast.chair)
    dissent = decisions.dissent_add(
        plan=record.plan, member=cast.surgeon, view="Prefers radiotherapy alone.", by=cast.chair
    )
    assert (dissent.member, dissent.created_by) == (cast.surgeon, cast.chair)
    assert ConsensusPlan.objects.get(pk=record.plan.pk).version == 2


def test_deferred_pending_information_defers_the_case_and_tells_the_coordinators(cast):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item, outcome="deferred_pending_information")
    decisions.plan_sign(plan=plan, by=cast.chair)
    case = Case.objects.get(pk=item.case_id)
    assert case.status == "deferred"
    assert case.status_reason == "Deferred pending information: Repeat MRI of the whole spine."
    assert Notification.objects.filter(
        recipient=cast.coordinator, kind="case_deferred", dedupe_key__startswith="plan-deferred:"
    ).exists()


def test_deferral_needs_the_information_awaited(cast):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    record = decisions.decision_record_open(agenda_item=item, by=cast.chair)
    decisions.decision_record_update(
        record=record, expected_version=1, by=cast.chair, information_needed=""
    )
    decisions.plan_update(
        plan=record.plan,
        expected_version=1,
        by=cast.chair,
        outcome="deferred_pending_information",
    )
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_sign(plan=record.plan, by=cast.chair)
    assert set(caught.value.fields) == {"information_needed"}


def test_rediscuss_puts_the_case_on_the_next_meeting(cast):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    later = MeetingFactory(board=cast.board, starts_at=timezone.now() + dt.timedelta(days=7))
    record, plan = ready_to_sign(cast, item, outcome="rediscuss")
    decisions.plan_sign(plan=plan, by=cast.chair)
    case = Case.objects.get(pk=item.case_id)
    assert case.status == "scheduled"
    assert AgendaItem.objects.filter(meeting=later, case=case, is_open=True).exists()
    item.refresh_from_db()
    assert item.is_open is False  # kept on this meeting's agenda as a record
    assert "discussed" in case.history.values_list("status", flat=True)


# --- amendments ---------------------------------------------------------------------------------


def _signed(cast):
    meeting, (item,) = agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    return decisions.plan_sign(plan=plan, by=cast.chair)


def test_an_amendment_keeps_the_signed_version_readable(cast):
    plan = _signed(cast)
    signed_version = plan.version
    surgery, radiation = plan.activities.order_by("position")
    amendment = decisions.plan_amend(
        plan=plan,
        reason="Surgery declined by the patient after the meeting.",
        by=cast.coordinator,
        changes={"summary": "SBRT alone to T10."},
        activities=[
            ActivityChange("remove", activity=surgery),
            ActivityChange(
                "change", activity=radiation, fields={"details": {"regimen": "27 Gy/3"}}
            ),
            ActivityChange(
                "add",
                fields={
                    "kind": "pain",
                    "description": "Analgesia review",
                    "responsible_user": cast.specialists["pain_medicine"],
                    "details": {"medication": "Oxycodone", "procedure": "none"},
                },
            ),
        ],
    )
    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.summary) == (
        "signed",
        signed_version + 1,
        "SBRT alone to T10.",
    )
    assert amendment.plan_version_before == signed_version
    assert amendment.author == cast.coordinator
    assert amendment.changes["plan"] == {
        "summary": {"old": "Separation surgery at T10, then SBRT.", "new": "SBRT alone to T10."}
    }
    assert [c["action"] for c in amendment.changes["activities"]] == ["removed", "changed", "added"]

    history = plan_history(plan)
    current, before = history.versions[0], history.versions[1]
    assert (current.version, current.current, current.amendment) == (plan.version, True, amendment)
    assert [a["description"] for a in current.activities] == ["SBRT to T10", "Analgesia review"]
    assert before.version == signed_version and before.signed
    assert before.summary == "Separation surgery at T10, then SBRT."
    assert [a["description"] for a in before.activities] == [
        "Separation surgery T10",
        "SBRT to T10",
    ]
    assert before.activities[1]["details"]["regimen"] == "24 Gy/2"
    assert history.amendments == [amendment]
    # Every change is attributed.
    assert all(entry["by"] is not None for entry in history.entries)
    assert {"decision_record", "plan", "activity"} <= {e["record"] for e in history.entries}
    # The new owner is told.
    assert Notification.objects.filter(
        recipient=cast.specialists["pain_medicine"],
        dedupe_key__startswith=f"plan-amendment:{amendment.pk}:",
    ).exists()


def test_amending_needs_a_signed_plan_a_reason_and_a_chair_or_coordinator(cast):
    meeting, (item,) = agenda(cast.board)
    record = decisions.decision_record_open(agenda_item=item, by=cast.chair)
    with pytest.raises(ConflictError):
        decisions.plan_amend(plan=record.plan, reason="x", by=cast.chair, changes={"summary": "y"})
    plan = _signed(cast)
    with pytest.raises(PermissionDenied):
        decisions.plan_amend(plan=plan, reason="x", by=cast.surgeon, changes={"summary": "y"})
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_amend(plan=plan, reason=" ", by=cast.chair, changes={"summary": "y"})
    assert "reason" in caught.value.fields
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_amend(plan=plan, reason="x", by=cast.chair, changes={"outcome": "rediscuss"})
    assert "outcome" in caught.value.fields
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_amend(
            plan=plan, reason="x", by=cast.chair, changes={"summary": plan.summary}
        )
    assert "changes" in caught.value.fields
    assert not PlanAmendment.objects.exists()
    amendment = decisions.plan_amend(plan=plan, reason="x", by=cast.chair, changes={"summary": "y"})
    assert amendment.plan_version_before == plan.version


def test_an_activity_that_started_cannot_be_removed_by_amendment(cast):
    plan = _signed(cast)
    surgery = plan.activities.get(kind="surgery")
    decisions.activity_set_status(activity=surgery, status="in_progress", by=cast.surgeon)
    with pytest.raises(ApplicationError) as caught:
        decisions.plan_amend(
            plan=plan,
            reason="x",
            by=cast.chair,
            activities=[ActivityChange("remove", activity=surgery)],
        )
    assert "record its status instead" in caught.value.fields["activity"][0]
    assert PlanActivity.objects.filter(pk=surgery.pk).exists()


def test_a_cancelled_meeting_records_no_decision(cast):
    meeting, (item,) = agenda(cast.board)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    with pytest.raises(ApplicationError):
        decisions.decision_record_open(agenda_item=item, by=cast.chair)
    assert not DecisionRecord.objects.exists()
