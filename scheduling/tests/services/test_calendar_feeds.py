"""A user's calendar-subscription feed (services.calendar_feeds): their own, staff only."""

import pytest
from django.core.exceptions import PermissionDenied

from scheduling import services
from scheduling.models import CalendarFeed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["coordinator", "surgeon", "outsider"])
def test_clinical_staff_make_and_rotate_their_own_feed(cast, who):
    user = getattr(cast, who)
    feed = services.calendar_feed_token(user=user)
    assert services.calendar_feed_token(user=user).token == feed.token
    rotated = services.calendar_feed_rotate(user=user)
    assert rotated.user == user
    assert rotated.token != feed.token
    assert CalendarFeed.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_patients_and_users_without_a_role_get_no_feed(cast, who):
    user = getattr(cast, who)
    with pytest.raises(PermissionDenied):
        services.calendar_feed_token(user=user)
    with pytest.raises(PermissionDenied):
        services.calendar_feed_rotate(user=user)
    assert not CalendarFeed.objects.exists()


def test_a_deactivated_user_gets_no_feed(cast):
    cast.surgeon.is_active = False
    cast.surgeon.save()
    with pytest.raises(PermissionDenied):
        services.calendar_feed_token(user=cast.surgeon)
