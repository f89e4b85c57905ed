"""The home page sends each person to where their work is."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from .roles import PATIENT, has_role, is_staff_member


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if is_staff_member(request.user):
        return redirect("case-list")
    if has_role(request.user, PATIENT):
        return redirect("my-summaries")
    # Signed in but given no role yet: nothing here is theirs to see.
    raise PermissionDenied


@login_required
def my_summaries(request):
    """The patient's released summaries (placeholder until summaries can be released)."""
    if not has_role(request.user, PATIENT):
        raise PermissionDenied
    return render(request, "patients/my_summaries.html")
