"""Inviting a board's members from the meeting page, and the user's own invitations."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tumorboard.errors import ApplicationError
from tumorboard.pages import staff_required

from .. import services
from ..forms import InviteForm, RespondForm
from ..models import Invitation
from ..selectors import my_invitations
from .common import coordinated_meeting, refusal_message, to_meeting
from .meeting_page import form_refused, render_meeting


@require_POST
@staff_required
def meeting_invite(request, meeting_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    form = InviteForm(request.POST, prefix="invite")
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, invite_form=form)
    disciplines = None if form.invite_everyone else form.cleaned_data["disciplines"]
    try:
        result = services.invite_members(meeting=meeting, disciplines=disciplines, by=request.user)
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, "invite_form")
    if result.invited:
        messages.success(request, _("%(n)d member(s) invited.") % {"n": len(result.invited)})
    else:
        messages.info(request, _("Nobody new to invite: they are all invited already."))
    for warning in result.warnings:
        messages.warning(request, warning.message)
    return to_meeting(meeting, "invitations")


@staff_required
def my_invitations_page(request):
    invitations = list(my_invitations(user=request.user))
    return render(
        request,
        "scheduling/my_invitations.html",
        {"invitations": invitations, "now": timezone.now()},
    )


@require_POST
@staff_required
def invitation_respond(request, invitation_id):
    invitation = (
        Invitation.objects.select_related("meeting__board")
        .filter(pk=invitation_id, user=request.user)
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Accept or decline."))
    else:
        try:
            services.invitation_respond(
                invitation=invitation, response=form.cleaned_data["response"], by=request.user
            )
        except ApplicationError as exc:
            messages.error(request, refusal_message(exc))
        else:
            messages.success(
                request,
                _("You accepted.")
                if form.cleaned_data["response"] == Invitation.Response.ACCEPTED
                else _("You declined."),
            )
    target = request.POST.get("next", "")
    if target == "meeting":
        return to_meeting(invitation.meeting)
    return redirect("my-invitations")
