"""The summary as a PDF (pdf): large type, the patient's language, never the patient's identity."""

from __future__ import annotations

import pytest

from recommendations.patient_summaries import services
from recommendations.patient_summaries.pdf import summary_pdf

pytestmark = pytest.mark.django_db


def test_pdf_is_produced_without_the_patients_identity(client, cast, summaries):
    released, _draft, _other = summaries
    client.force_login(cast.patient_user)
    response = client.get(f"/my/summaries/{released.uuid}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="care-plan-summary-')
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5000
    info = pdf[pdf.rindex(b"/Producer") - 400 :] if b"/Producer" in pdf else pdf
    assert b"/Title" in pdf
    patient = cast.patient
    for secret in (patient.mrn, patient.family_name, patient.given_name):
        assert secret.encode() not in pdf, secret
        assert secret.encode("utf-16-be") not in pdf, secret
        assert secret.encode() not in info, secret


def test_pdf_in_spanish(cast, make_plan):
    plan = make_plan(language="es")
    summary = services.patient_summary_draft(plan=plan, by=cast.chair)
    pdf = summary_pdf(summary)
    assert pdf.startswith(b"%PDF") and b"/Lang (es)" in pdf
