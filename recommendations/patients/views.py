"""The staff's patient page: one patient's cases, meetings and decisions (issue 14).

Access: clinical staff only (403 otherwise); a patient outside the user's scope is a 404.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from audit import reads
from cases.models import Patient
from tumorboard.pages import staff_required

from . import selectors


@staff_required
def patient_page(request, patient_uuid):
    try:
        history = selectors.patient_history(user=request.user, uuid=patient_uuid)
    except Patient.DoesNotExist:
        raise Http404("No such patient.") from None
    reads.record(request, "patient", patient=history.patient.uuid, obj=history.patient.uuid)
    return render(
        request,
        "patients/patient_detail.html",
        {"patient": history.patient, "cases": history.cases},
    )
