"""The home page sends each person to where their work is."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from recommendations.patient_summaries import views as patient_views

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


def my_summaries(request):
    """The patient's released summaries (the page lives with the summaries)."""
    return patient_views.my_summaries(request)
