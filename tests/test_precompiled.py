"""tumorboard.precompiled: a queryset compiled once gives what the queryset itself gives."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from cases.models import Case
from tests.factories import CaseFactory
from tumorboard import roles
from tumorboard.precompiled import Precompiled

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_token_row_equals_the_querysets_own(cast):
    tokens = [Token.objects.create(user=user) for user in (cast.coordinator, cast.chair)]
    for token in tokens:
        expected = roles._token_with_roles(token.key).get()
        found = roles._TOKEN_WITH_ROLES.first(key=token.key)
        assert _fields(found) == _fields(expected)  # converters: created is an aware datetime
        assert _fields(found.user) == _fields(expected.user)  # select_related
        flags = [f"has_role_{name}" for name in roles.ALL_ROLES]
        assert [getattr(found, f) for f in flags] == [getattr(expected, f) for f in flags]
        assert any(getattr(found, f) for f in flags)
        assert found._state.adding is False and found._state.db == "default"
    assert roles._TOKEN_WITH_ROLES.first(key="no-such-token") is None


def test_it_is_compiled_once_and_run_as_one_query(cast):
    query = Precompiled(lambda mrn: Case.objects.filter(patient__mrn=mrn), mrn=str)
    first, second = CaseFactory(board=cast.board), CaseFactory(board=cast.other_board)
    with CaptureQueriesContext(connection) as queries:
        assert query.first(mrn=first.patient.mrn) == first
        assert query.first(mrn=second.patient.mrn) == second  # new values, same SQL
    assert len(queries) == 2
    assert len(query._compiled) == 1  # compiled for the one database, once


def test_a_parameter_the_lookup_transforms_is_refused():
    query = Precompiled(lambda mrn: Case.objects.filter(patient__mrn__icontains=mrn), mrn=str)
    with pytest.raises(ImproperlyConfigured, match="mrn not passed through unchanged"):
        query.first(mrn="123")


def test_the_values_must_be_exactly_the_named_parameters():
    query = Precompiled(lambda mrn: Case.objects.filter(patient__mrn=mrn), mrn=str)
    with pytest.raises(TypeError):
        query.first()
    with pytest.raises(TypeError):
        query.first(mrn="1", other="2")


def test_integer_parameters_and_a_type_it_cannot_mark(cast):
    query = Precompiled(lambda board: Case.objects.filter(board_id=board).order_by("pk"), board=int)
    first = CaseFactory(board=cast.board)
    CaseFactory(board=cast.other_board)
    assert query.first(board=cast.board.pk) == first
    assert query.first(board=10**9) is None
    with pytest.raises(TypeError):
        Precompiled(lambda when: Case.objects.filter(created_at=when), when=object)


def test_the_session_user_equals_the_querysets_own(cast):
    """The session's user, with the roles and the two-factor device column, as the ORM loads it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tumorboard import two_factor

    device = TOTPDevice.objects.create(user=cast.chair, name="phone", confirmed=True)
    backend = roles.RoleAwareModelBackend()
    session = {two_factor.DEVICE_ID_SESSION_KEY: device.persistent_id}
    for extra in (None, two_factor.session_device_column(session)):
        with roles.loading_user_with(extra):
            found = backend.get_user(cast.chair.pk)
        expected = roles.users_with_roles().get(pk=cast.chair.pk)
        assert _fields(found) == _fields(expected)
        assert roles.user_roles(found) == {roles.CHAIR, roles.SPECIALIST}
        assert getattr(found, two_factor.SESSION_DEVICE_EXISTS, None) is (
            None if extra is None else True
        )
    device.delete()
    with roles.loading_user_with(two_factor.session_device_column(session)):
        assert getattr(backend.get_user(cast.chair.pk), two_factor.SESSION_DEVICE_EXISTS) is False
    assert backend.get_user("not a number") is None
    assert backend.get_user(2**40) is None  # beyond the id column: no user, no SQL error
    forged = {two_factor.DEVICE_ID_SESSION_KEY: "otp_totp.totpdevice/99999999999"}
    assert two_factor.session_device_column(forged) is None
