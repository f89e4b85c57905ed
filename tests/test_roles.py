"""Roles come back with the user: one query per request authenticates and knows the roles."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from tumorboard import roles

pytestmark = pytest.mark.django_db


def _group_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "auth_user_groups" in q["sql"]]


def test_the_session_backend_loads_user_and_roles_in_one_query(cast):
    backend = roles.RoleAwareModelBackend()
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(cast.chair.pk)
        assert roles.user_roles(user) == {roles.CHAIR, roles.SPECIALIST}
        assert roles.is_staff_member(user)
    assert len(queries) == 1


def test_groups_that_are_not_roles_are_not_roles(cast):
    cast.coordinator.groups.add(Group.objects.create(name="book-club"))
    user = roles.RoleAwareModelBackend().get_user(cast.coordinator.pk)
    assert roles.user_roles(user) == {roles.COORDINATOR}
    assert roles.user_roles(roles.RoleAwareModelBackend().get_user(cast.stranger.pk)) == set()


def test_inactive_or_unknown_users_are_not_loaded(cast):
    cast.surgeon.is_active = False
    cast.surgeon.save()
    backend = roles.RoleAwareModelBackend()
    assert backend.get_user(cast.surgeon.pk) is None
    assert backend.get_user(10**9) is None


def test_the_token_loads_user_and_roles_in_one_query(cast):
    token = Token.objects.create(user=cast.coordinator)
    auth = roles.RoleAwareTokenAuthentication()
    with CaptureQueriesContext(connection) as queries:
        user, found = auth.authenticate_credentials(token.key)
        assert roles.user_roles(user) == {roles.COORDINATOR}
    assert (user, found) == (cast.coordinator, token)
    assert len(queries) == 1


def test_a_wrong_or_inactive_token_is_refused(cast):
    auth = roles.RoleAwareTokenAuthentication()
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials("not-a-token")
    token = Token.objects.create(user=cast.surgeon)
    cast.surgeon.is_active = False
    cast.surgeon.save()
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials(token.key)


@pytest.mark.parametrize("how", ["session", "token"])
def test_a_request_reads_the_roles_only_with_the_user(cast, client, how):
    if how == "session":
        client.force_login(cast.coordinator)
        requester = client
    else:
        requester = APIClient()
        requester.credentials(
            HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cast.coordinator).key}"
        )
    with CaptureQueriesContext(connection) as queries:
        response = requester.get("/api/v1/boards/")
    assert response.status_code == 200
    # The roles are asked for in the query that loads the user, never in one of their own.
    role_queries = _group_queries(queries)
    assert len(role_queries) == 1
    assert '"auth_user"."password"' in role_queries[0]


def test_the_first_role_check_of_a_user_not_loaded_by_the_backends_still_works(cast):
    user = type(cast.chair).objects.get(pk=cast.chair.pk)
    with CaptureQueriesContext(connection) as queries:
        assert roles.user_roles(user) == {roles.CHAIR, roles.SPECIALIST}
        assert roles.user_roles(user) == {roles.CHAIR, roles.SPECIALIST}
    assert len(queries) == 1
