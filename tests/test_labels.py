"""tumorboard.labels: records in the clinic's words, and refusals led by field labels (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from cases import services
from cases.models import Case, SpinalLesion
from recommendations.models import PlanActivity
from tests.factories import PatientFactory, UserFactory
from tumorboard import labels
from tumorboard.errors import ApplicationError
from tumorboard.pages import show_errors


def test_values_as_people_read_them():
    assert labels.shown(Case, "ambulatory", True) == "Yes"
    assert labels.shown(Case, "ambulatory", False) == "No"
    assert labels.shown(Case, "kps", None) == labels.EMPTY
    assert labels.shown(Case, "urgency", "urgent") == "Urgent"
    assert labels.shown(Case, "diagnosis_date", dt.date(2025, 3, 4)) == "4 Mar 2025"
    assert labels.shown(Case, "diagnosis_date", "2025-03-04") == "4 Mar 2025"  # from a diff
    moment = dt.datetime(2026, 7, 1, 6, 30, tzinfo=dt.UTC)
    assert labels.shown(Case, "deficit_onset", moment, zone="Europe/London") == "1 Jul 2026, 07:30"
    assert labels.shown(Case, "deficit_onset", moment.isoformat(), zone="Asia/Tokyo") == (
        "1 Jul 2026, 15:30"
    )
    goals = Case.Goal.choices
    assert labels.shown(Case, "goals_ranked", ["walking", "pain_relief"], choices=goals) == (
        "Walking, Pain relief"
    )
    assert labels.shown(PlanActivity, "details", {"regimen": "8 Gy x 1", "timing": ""}) == (
        "Regimen: 8 Gy x 1"
    )
    options = [{"option": "SBRT", "benefits": {"pain": "good"}}, {"option": "Surgery"}]
    assert labels.shown(PlanActivity, "details", options) == "SBRT, Surgery"


@pytest.mark.django_db
def test_people_by_name_never_by_username():
    named = UserFactory(username="jdoe7", first_name="Jane", last_name="Doe")
    nameless = UserFactory(username="x9", first_name="", last_name="", email="x@h.org")
    assert labels.person(named) == "Jane Doe"
    assert labels.person(nameless) == "x@h.org"
    assert labels.person(None) == "a deleted user"
    people = {named.pk: named}
    assert labels.shown(PlanActivity, "responsible_user", named.pk, people=people) == "Jane Doe"
    assert labels.shown(PlanActivity, "responsible_user", 10**9, people=people) == (
        "a deleted user"
    )


def test_field_labels():
    assert labels.field_label("kps", Case) == "Karnofsky (KPS)"
    assert labels.field_label("escc_grade", None, Case, SpinalLesion) == "ESCC (Bilsky) grade"
    assert labels.field_label("expected_survival_months") == "Expected survival months"
    assert labels.labelled_messages(
        {"kps": ["Too high."], "non_field_errors": ["Whole record."]}, Case
    ) == ["Karnofsky (KPS): Too high.", "Whole record."]


class ReasonForm(forms.Form):
    reason = forms.CharField()


class CaseKpsForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["kps"]


@pytest.mark.django_db
def test_a_refusal_of_a_field_the_form_lacks_is_led_by_its_label():
    form, case_form = ReasonForm(data={"reason": "r"}), CaseKpsForm()
    assert form.is_valid()
    error = ApplicationError("No.", fields={"fit_for_surgery": ["Answer it first."]})
    show_errors(error, form, case_form)
    assert form.non_field_errors() == ["Fit for surgery: Answer it first."]
    assert "fit_for_surgery" not in str(form.errors)


@pytest.mark.django_db
def test_a_lesion_refused_at_registration_names_the_field_by_its_label(cast):
    with pytest.raises(ApplicationError) as refused:
        services.case_create(
            by=cast.coordinator,
            patient=PatientFactory(created_by=cast.coordinator),
            board=cast.board,
            referring_clinician="Dr R",
            clinical_question="Radiotherapy now?",
            primary_site="breast",
            lesions=[{"level": "T6", "escc_grade": "9"}],
        )
    (message,) = refused.value.fields["lesions"]
    assert message.startswith("Lesion 1: ESCC (Bilsky) grade: ")
