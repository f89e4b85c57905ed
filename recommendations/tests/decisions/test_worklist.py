"""The worklist selectors of plans: a specialist's open activities, a chair's plans to sign."""

from __future__ import annotations

import pytest
from django.utils import timezone

from recommendations.decisions.selectors import my_plan_activities, plans_to_sign
from recommendations.models import PlanActivity
from tests.worklists import board_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(cast, meeting):
    return board_week(cast, meeting)


def test_activities_named_or_for_their_discipline_overdue_marked(cast, week):
    mine = my_plan_activities(user=cast.surgeon)
    assert mine.rows == [week.named_activity, week.discipline_activity]
    assert [a.overdue for a in mine.rows] == [True, False]
    assert mine.count == 2
    radiation = my_plan_activities(user=cast.specialists["radiation_oncology"])
    assert radiation.rows == [week.other_activity]


def test_activities_of_draft_plans_done_ones_and_other_boards_are_not_listed(cast, week):
    # The draft plan's activity named for the surgeon (tests.meeting_mode.ready_to_sign) is not
    # listed: nothing is owed until the chair signs.
    assert week.to_sign.activities.filter(responsible_user=cast.surgeon).exists()
    week.named_activity.status = PlanActivity.Status.DONE
    week.named_activity.completed_on = timezone.localdate()
    week.named_activity.save()
    assert my_plan_activities(user=cast.surgeon).rows == [week.discipline_activity]
    assert my_plan_activities(user=cast.outsider).count == 0  # spine surgery, another board


def test_plans_to_sign_only_for_the_chair_of_the_board(cast, week):
    assert plans_to_sign(user=cast.chair).rows == [week.to_sign]
    assert plans_to_sign(user=cast.coordinator).count == 0
    assert plans_to_sign(user=cast.surgeon).count == 0
    assert plans_to_sign(user=cast.patient_user).count == 0
