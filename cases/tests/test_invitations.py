"""The patient's own account: a coordinator invites from the case (a single-use, expiring sign-up
link by e-mail, its token stored hashed) or links an existing patient account. Each permission is
an allowed/refused pair; every refusal is a clear message, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from smtplib import SMTPException

import pytest
from celery.exceptions import Retry
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases import invitations
from cases.models import Patient, PatientInvitation
from tests.factories import CaseFactory, PatientFactory, UserFactory
from tumorboard import roles
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db

SITE = "https://board.example.org"
STRONG = "violet-harbour-9271"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def case(cast):
    """A case of the cast's board whose patient has no account yet."""
    return CaseFactory(
        board=cast.board, patient=PatientFactory(given_name="Ana", family_name="Ruiz")
    )


@pytest.fixture
def invite(cast, case, mailoutbox, django_capture_on_commit_callbacks):
    """invite(email=...) -> (invitation, token): invited by the coordinator, the e-mail sent."""

    def run(email="ana.ruiz@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitations.patient_invite(case=case, by=cast.coordinator, email=email)
        link = re.search(rf"{SITE}/join/(\S+)/", mailoutbox[-1].body)
        invitation.refresh_from_db()
        return invitation, link.group(1)

    return run


def test_an_invitation_emails_a_single_use_link_and_stores_only_its_hash(cast, invite, mailoutbox):
    invitation, token = invite()
    [message] = mailoutbox
    assert message.to == ["ana.ruiz@example.org"]
    assert "Ruiz" not in message.body and "Ruiz" not in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{SITE}/join/{token}/"' in html
    assert invitation.token_hash == invitations.token_hash(token)
    assert token not in str(PatientInvitation.objects.values().get())
    assert invitation.created_by == cast.coordinator
    hours = (invitation.expires_at - invitation.sent_at).total_seconds() / 3600
    assert hours == invitations.INVITATION_HOURS


def test_the_email_task_run_twice_sends_once(invite, mailoutbox):
    invitation, _token = invite()
    assert invitations.send_patient_invitation.apply(args=[invitation.pk]).get() is False
    assert len(mailoutbox) == 1


def test_a_mail_failure_releases_the_claim(cast, case, monkeypatch):
    invitation = PatientInvitation.objects.create(
        patient=case.patient, case=case, email="a@example.org", created_by=cast.coordinator
    )

    def broken(**kwargs):
        raise SMTPException("down")

    monkeypatch.setattr(invitations, "send_email", broken)
    with pytest.raises(Retry):
        invitations.send_patient_invitation.apply(args=[invitation.pk], throw=True)
    invitation.refresh_from_db()
    assert invitation.sent_at is None and invitation.token_hash is None


@pytest.mark.parametrize("who", ["chair", "surgeon", "outsider", "stranger", "patient_user"])
def test_only_a_coordinator_of_the_board_invites(cast, case, who):
    with pytest.raises(PermissionDenied):
        invitations.patient_invite(case=case, by=getattr(cast, who), email="a@example.org")
    assert not PatientInvitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Give the patient's e-mail"), ("not-an-address", "is not an e-mail")],
)
def test_the_email_address_is_required_and_valid(cast, case, email, message):
    with pytest.raises(ApplicationError) as refused:
        invitations.patient_invite(case=case, by=cast.coordinator, email=email)
    assert message in refused.value.fields["email"][0]


def test_accepting_creates_a_patient_account_linked_to_the_record(case, invite):
    invitation, token = invite()
    user = invitations.invitation_accept(token=token, password=STRONG)
    case.patient.refresh_from_db()
    assert case.patient.user == user
    assert user.username == "ana.ruiz@example.org" and user.check_password(STRONG)
    assert roles.has_role(user, roles.PATIENT)
    latest = case.patient.history.first()
    assert latest.history_user == user and "invitation" in latest.history_change_reason
    invitation.refresh_from_db()
    assert invitation.used_at is not None and invitation.account == user


def test_a_weak_password_is_refused_by_djangos_validators(case, invite):
    _invitation, token = invite()
    with pytest.raises(ApplicationError) as refused:
        invitations.invitation_accept(token=token, password="123")
    assert any("too short" in m for m in refused.value.fields["password"])
    assert Patient.objects.get(pk=case.patient_id).user is None
    assert invitations.invitation_check(token)  # not spent


def test_the_link_opens_once(invite):
    _invitation, token = invite()
    invitations.invitation_accept(token=token, password=STRONG)
    with pytest.raises(invitations.InvitationRefused) as refused:
        invitations.invitation_accept(token=token, password=STRONG)
    assert refused.value.reason == "used"


def test_an_expired_or_replaced_link_is_refused(invite):
    first, first_token = invite()
    _second, second_token = invite("ana@example.org")
    with pytest.raises(invitations.InvitationRefused) as refused:
        invitations.invitation_check(first_token)
    assert refused.value.reason == "withdrawn"
    PatientInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(invitations.InvitationRefused) as refused:
        invitations.invitation_check(second_token)
    assert refused.value.reason == "expired"


@pytest.mark.parametrize("token", ["short", "x" * 43, None])
def test_an_unknown_link_is_refused(token):
    with pytest.raises(invitations.InvitationRefused) as refused:
        invitations.invitation_check(token)
    assert refused.value.reason == "unknown"


def test_an_existing_account_with_that_email_is_not_duplicated(invite):
    _invitation, token = invite()
    UserFactory(username="someone", email="ANA.RUIZ@example.org")
    with pytest.raises(ApplicationError) as refused:
        invitations.invitation_accept(token=token, password=STRONG)
    assert "already exists" in refused.value.message


def test_a_patient_with_an_account_is_not_invited(cast):
    case = CaseFactory(board=cast.board, patient=cast.patient)
    with pytest.raises(ApplicationError, match="already has an account"):
        invitations.patient_invite(case=case, by=cast.coordinator, email="a@example.org")


# --- linking an existing account --------------------------------------------------------------


@pytest.fixture
def account(db):
    return UserFactory(username="ana-r", email="ana.r@example.org", roles=[roles.PATIENT])


@pytest.mark.parametrize("found_by", ["ana-r", "ANA.R@example.org"])
def test_a_coordinator_links_an_existing_patient_account(cast, case, account, found_by):
    assert invitations.patient_account_link(case=case, by=cast.coordinator, account=found_by) == (
        account
    )
    case.patient.refresh_from_db()
    assert case.patient.user == account
    assert case.patient.history.first().history_user == cast.coordinator


def test_linking_withdraws_open_invitations(cast, case, account, invite):
    _invitation, token = invite()
    invitations.patient_account_link(case=case, by=cast.coordinator, account="ana-r")
    with pytest.raises(invitations.InvitationRefused):
        invitations.invitation_check(token)


@pytest.mark.parametrize("account_name", ["nobody", "coord", "patient", ""])
def test_only_an_unlinked_patient_account_is_linked(cast, case, account_name):
    """Unknown, a staff account, and one already linked to another patient are all refused."""
    with pytest.raises(ApplicationError) as refused:
        invitations.patient_account_link(case=case, by=cast.coordinator, account=account_name)
    assert refused.value.fields["account"] == [invitations.NOT_A_PATIENT_ACCOUNT]


def test_only_a_coordinator_links(cast, case, account):
    with pytest.raises(PermissionDenied):
        invitations.patient_account_link(case=case, by=cast.chair, account="ana-r")
