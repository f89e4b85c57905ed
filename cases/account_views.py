"""Pages for the patient's own account: the coordinator's invite and link actions on the case page,
and the patient's sign-up page the invitation e-mail opens. Thin: one service per request.

The sign-up page (/join/<token>/): GET checks the link and offers the form (a mail scanner's GET
spends nothing); POST creates the account, spends the invitation and signs the patient in. A used,
expired or withdrawn link answers 410 with an explanation, an unknown one 404; never a 500. The
page, its errors and refusals are in the invited patient's preferred language (an unknown link's
refusal in the browser's).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tumorboard.errors import ApplicationError
from tumorboard.pages import staff_required

from . import invitations, selectors
from .forms import PatientSignUpForm
from .models import Case

BACKEND = "tumorboard.roles.RoleAwareModelBackend"


def _get_case(user, case_uuid) -> Case:
    try:
        return selectors.case_detail(user=user, uuid=case_uuid)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


def _back_to_case(case):
    return redirect(reverse("case-detail", args=[case.uuid]) + "#patient-access")


def _report(request, exc: ApplicationError) -> None:
    for field_messages in exc.fields.values():
        for message in field_messages:
            messages.error(request, message)
    if not exc.fields:
        messages.error(request, exc.message)


# The service validates the address and checks the coordinator (before any input is judged).
@require_POST
@staff_required
def case_patient_invite(request, case_uuid):
    case = _get_case(request.user, case_uuid)
    try:
        invitation = invitations.patient_invite(
            case=case, by=request.user, email=request.POST.get("email", "")
        )
    except ApplicationError as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            f"An invitation to read their summaries was e-mailed to {invitation.email}. "
            f"Its link opens once and works for {invitations.INVITATION_HOURS} hours.",
        )
    return _back_to_case(case)


@require_POST
@staff_required
def case_patient_link(request, case_uuid):
    case = _get_case(request.user, case_uuid)
    try:
        user = invitations.patient_account_link(
            case=case, by=request.user, account=request.POST.get("account", "")
        )
    except ApplicationError as exc:
        _report(request, exc)
    else:
        messages.success(request, f"The patient's account {user.get_username()} is linked.")
    return _back_to_case(case)


def _refused(request, refusal: invitations.InvitationRefused):
    status = 404 if refusal.reason == "unknown" else 410
    with translation.override(refusal.language or translation.get_language()):
        return render(
            request,
            "patients/invitation_refused.html",
            {"reason": refusal.reason, "message": refusal.message},
            status=status,
        )


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """GET: is the invitation usable? POST: create the account, link it, sign the patient in."""
    try:
        invitation = invitations.invitation_check(token)
    except invitations.InvitationRefused as refusal:
        return _refused(request, refusal)
    with translation.override(invitation.patient.preferred_language):
        return _sign_up(request, token, invitation)


def _sign_up(request, token, invitation):
    form = PatientSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(
                token=token, password=form.cleaned_data["password1"]
            )
        except invitations.InvitationRefused as refusal:
            return _refused(request, refusal)
        except ApplicationError as exc:  # its messages are per field: password, or e-mail
            for name, field_messages in exc.fields.items():
                for message in field_messages:
                    form.add_error("password1" if name == "password" else None, message)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Your account is ready. Here are your summaries."))
            return redirect("my-summaries")
    # Form errors answer 200, not 400: Django logs a 4xx with its path, and this path holds a
    # token that still works. (Refused tokens are spent or unknown, so their 404/410 may be logged.)
    return render(request, "patients/sign_up.html", {"form": form, "username": invitation.email})
