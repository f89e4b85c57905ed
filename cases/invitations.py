"""The patient's own account: a coordinator invites the patient by e-mail from the case, or links
an account the patient already has. No admin or ORM step remains.

- invite: a coordinator of the case's board gives an e-mail address (validated). The invitation is
  saved, older unused ones of the patient are withdrawn, and the e-mail is sent after commit.
- the e-mail task makes the token: the task gets the invitation's id only, and claims the row with
  a conditional UPDATE (unsent → sent, with the token's SHA-256 and the expiry), so it is safe to
  run twice; the token itself is never stored, logged or passed through the broker. The link
  carries only the token.
- language: the e-mail, the sign-up page and its refusals are in the patient's preferred
  language (Patient.preferred_language); the messages here are marked for translation and the
  e-mail task and the sign-up view switch to that language.
- accept: the patient sets a password (Django's validators) and gets an account with the patient
  role, linked to their record; the invitation is spent in the same transaction (used, expired,
  withdrawn → a clear refusal).
- link: a coordinator links an existing, unlinked patient account (found by exact username or
  e-mail) to the patient.

Every write is attributed: the invitation keeps who sent it, the patient's history who linked the
account (the patient themselves when they accept an invitation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from smtplib import SMTPException
from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tumorboard.errors import ApplicationError
from tumorboard.mail import MAIL_TASK, absolute_url, send_email
from tumorboard.queue import enqueue_on_commit
from tumorboard.roles import COORDINATOR, PATIENT, STAFF_ROLES, has_role
from tumorboard.services import save_validated

from .models import Case, Patient, PatientInvitation

INVITATION_HOURS = 72
NOT_COORDINATOR = "Only a coordinator of the case's board invites a patient or links an account."
ALREADY_LINKED = "This patient already has an account for their summaries."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_coordinator(case: Case, by: AbstractBaseUser) -> None:
    if not (
        by.is_authenticated
        and has_role(by, COORDINATOR)
        and by.board_memberships.filter(board_id=case.board_id, role=COORDINATOR).exists()
    ):
        raise PermissionDenied(NOT_COORDINATOR)


def _locked_patient(case: Case) -> Patient:
    patient = Patient.objects.select_for_update().get(pk=case.patient_id)
    if patient.user_id is not None:
        raise ApplicationError(ALREADY_LINKED, fields={"patient": [ALREADY_LINKED]}, code="linked")
    return patient


def _clean_email(email: Any) -> str:
    value = email.strip() if isinstance(email, str) else ""
    if not value:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={"email": ["Give the patient's e-mail address."]},
        )
    try:
        validate_email(value)
    except ValidationError:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={"email": [f"{value} is not an e-mail address."]},
        ) from None
    return value


@transaction.atomic
def patient_invite(*, case: Case, by: AbstractBaseUser, email: str) -> PatientInvitation:
    """Invite the case's patient to their summaries: an e-mail with a single-use sign-up link."""
    _check_coordinator(case, by)
    email = _clean_email(email)
    patient = _locked_patient(case)
    now = timezone.now()
    PatientInvitation.objects.filter(
        patient=patient, used_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=now)
    invitation = PatientInvitation(patient=patient, case=case, email=email)
    invitation._change_reason = "invitation to the patient's summaries"
    save_validated(invitation, by=by, creating=True)
    enqueue_on_commit(send_patient_invitation, args=[invitation.pk])
    return invitation


@shared_task(name="cases.invitations.send_patient_invitation", **MAIL_TASK)
def send_patient_invitation(self, invitation_id: int) -> bool:
    """E-mail one invitation, at most once; True when this run sent it.

    The token is made here and only its hash is saved, in the UPDATE that claims the row. A
    failed send releases the claim (the token is then useless) and retries with a new token.
    """
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    expires_at = now + dt.timedelta(hours=INVITATION_HOURS)
    claimed = PatientInvitation.objects.filter(
        pk=invitation_id, sent_at__isnull=True, withdrawn_at__isnull=True
    ).update(sent_at=now, token_hash=token_hash(token), expires_at=expires_at)
    if claimed != 1:
        return False
    invitation = PatientInvitation.objects.select_related("patient").get(pk=invitation_id)
    try:
        with translation.override(invitation.patient.preferred_language):
            subject = _("Your care team invites you to read your summaries")
            send_email(
                to=invitation.email,
                subject=subject,
                template="patient_invitation",
                context={
                    "subject": subject,
                    "link": absolute_url(reverse("patient-invitation-accept", args=[token])),
                    "hours": INVITATION_HOURS,
                },
            )
    except (SMTPException, OSError) as exc:
        PatientInvitation.objects.filter(pk=invitation_id).update(
            sent_at=None, token_hash=None, expires_at=None
        )
        raise self.retry(exc=exc) from exc
    return True


class InvitationRefused(ApplicationError):
    """An invitation link that opens nothing: `reason` says why, in the patient's words.

    `language` is the invited patient's preferred language (None for an unknown link); the
    message is translated when it is shown, in that language."""

    MESSAGES = {
        "unknown": gettext_lazy("This link is not valid. Check that you copied all of it."),
        "used": gettext_lazy(
            "This invitation has already been used. Sign in with the account you created."
        ),
        "expired": gettext_lazy(
            "This invitation has expired. Ask your care team to send a new one."
        ),
        "withdrawn": gettext_lazy(
            "This invitation was replaced by a newer one. Use the link in the newest "
            "e-mail from your care team."
        ),
        "linked": gettext_lazy("You already have an account for your summaries. Sign in with it."),
    }

    def __init__(self, reason: str, *, language: str | None = None):
        super().__init__(self.MESSAGES[reason], code=reason)
        self.reason = reason
        self.language = language


def _usable_invitation(token: Any, *, lock: bool) -> PatientInvitation:
    if not (isinstance(token, str) and 20 <= len(token) <= 100):
        raise InvitationRefused("unknown")
    rows = PatientInvitation.objects.select_related("patient")
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationRefused("unknown")
    language = invitation.patient.preferred_language
    if invitation.used_at is not None:
        raise InvitationRefused("used", language=language)
    if invitation.withdrawn_at is not None:
        raise InvitationRefused("withdrawn", language=language)
    if invitation.expires_at is None or invitation.expires_at <= timezone.now():
        raise InvitationRefused("expired", language=language)
    if invitation.patient.user_id is not None:
        raise InvitationRefused("linked", language=language)
    return invitation


def invitation_check(token: Any) -> PatientInvitation:
    """The invitation a sign-up link opens, or InvitationRefused; changes nothing."""
    return _usable_invitation(token, lock=False)


ACCOUNT_EXISTS = gettext_lazy(
    "An account with this e-mail address already exists. Sign in with it, or ask your care team "
    "to link it to your record."
)


@transaction.atomic
def invitation_accept(*, token: Any, password: Any) -> AbstractBaseUser:
    """Create the patient's account from the invitation (spent here) and link it to the patient."""
    invitation = _usable_invitation(token, lock=True)
    patient = Patient.objects.select_for_update().get(pk=invitation.patient_id)
    if patient.user_id is not None:
        raise InvitationRefused("linked", language=patient.preferred_language)
    user_model = get_user_model()
    email = invitation.email
    if user_model.objects.filter(username__iexact=email).exists() or (
        user_model.objects.filter(email__iexact=email).exists()
    ):
        message = str(ACCOUNT_EXISTS)
        raise ApplicationError(message, fields={"email": [message]}, code="exists")
    user = user_model(
        username=email, email=email, first_name=patient.given_name, last_name=patient.family_name
    )
    # Said in the active language: the sign-up page calls this in the patient's.
    if not isinstance(password, str) or not password:
        raise ApplicationError(
            _("Please correct the errors below."), fields={"password": [_("Choose a password.")]}
        )
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError(
            _("Please correct the errors below."), fields={"password": list(exc.messages)}
        ) from None
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=PATIENT)[0])
    patient.user = user
    patient._change_reason = "the patient created their account from an invitation"
    save_validated(patient, by=user)
    invitation.used_at = timezone.now()
    invitation.account = user
    invitation._change_reason = "accepted by the patient"
    save_validated(invitation, by=user)
    return user


NOT_A_PATIENT_ACCOUNT = "No unlinked patient account has this username or e-mail address."


def linkable_accounts(query: str):
    """Active patient accounts not linked to any patient, matching a username or an e-mail
    address exactly (any letter case): a coordinator finds the one they were told, and cannot
    browse the list of patients' accounts."""
    query = (query or "").strip()
    user_model = get_user_model()
    if not query:
        return user_model.objects.none()
    return (
        user_model.objects.filter(is_active=True, groups__name=PATIENT, patient_record__isnull=True)
        .exclude(groups__name__in=STAFF_ROLES)
        .filter(username__iexact=query)
        .union(
            user_model.objects.filter(
                is_active=True, groups__name=PATIENT, patient_record__isnull=True
            )
            .exclude(groups__name__in=STAFF_ROLES)
            .filter(email__iexact=query)
        )
        .order_by("username")[:10]
    )


@transaction.atomic
def patient_account_link(*, case: Case, by: AbstractBaseUser, account: str) -> AbstractBaseUser:
    """Link an existing patient account (exact username or e-mail) to the case's patient."""
    _check_coordinator(case, by)
    patient = _locked_patient(case)
    matches = list(linkable_accounts(account if isinstance(account, str) else ""))
    if len(matches) != 1:
        message = (
            NOT_A_PATIENT_ACCOUNT
            if not matches
            else "More than one account matches: give the username."
        )
        raise ApplicationError(message, fields={"account": [message]}, code="no_account")
    user = get_user_model().objects.select_for_update().get(pk=matches[0].pk)
    patient.user = user
    patient._change_reason = "patient account linked by a coordinator"
    save_validated(patient, by=by)
    PatientInvitation.objects.filter(
        patient=patient, used_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
    return user


def patient_access(case: Case) -> dict[str, Any]:
    """What the case page shows about the patient's account: the linked account, if any, and
    the newest invitation."""
    return {
        "account": case.patient.user,
        "invitation": PatientInvitation.objects.filter(patient_id=case.patient_id)
        .select_related("created_by")
        .order_by("-created_at", "-id")
        .first(),
    }
