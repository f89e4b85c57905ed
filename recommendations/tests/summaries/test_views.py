"""Summary pages: preparation progress with retry, the printable packet, one summary."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cases.models import Case
from recommendations.models import PreMeetingSummary, SummaryPreparation
from recommendations.summaries.preparation import summary_prepare
from recommendations.summaries.services import meeting_prepare_request
from tests.agendas import agenda, give_opinion
from tumorboard import bounds

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def page(name, meeting, case=None) -> str:
    kwargs = {"meeting_uuid": meeting.uuid}
    if case is not None:
        kwargs["case_uuid"] = case.uuid
    return reverse(name, kwargs=kwargs)


# --- preparation page --------------------------------------------------------------------------


def test_coordinator_prepares_all_and_sees_n_of_m(
    cast, django_capture_on_commit_callbacks, client_for
):
    meeting, items = agenda(cast.board, 2)
    client = client_for(cast.coordinator)
    before = text(client.get(page("meeting-preparation", meeting)))
    assert "0 of 2 prepared" in before
    assert "Prepare all" in before

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page("meeting-prepare", meeting))
    assert response.status_code == 302
    body = text(client.get(response["Location"]))  # the tasks ran on commit
    assert "Preparing 2 summaries" in body
    assert "2 of 2 prepared" in body
    assert PreMeetingSummary.objects.filter(agenda_item__meeting=meeting).count() == 2


def test_a_failure_shows_its_reason_and_retry_prepares_it(
    cast, django_capture_on_commit_callbacks, client_for
):
    meeting, (item,) = agenda(cast.board, 1)
    SummaryPreparation.objects.create(
        agenda_item=item, status="failed", error="Timed out after 60 seconds.", attempts=1
    )
    client = client_for(cast.coordinator)
    body = text(client.get(page("meeting-preparation", meeting)))
    assert "Timed out after 60 seconds." in body
    assert page("meeting-preparation-retry", meeting, item.case) in body
    assert "0 of 1 prepared" in body

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page("meeting-preparation-retry", meeting, item.case))
    assert response["Location"] == page("meeting-preparation", meeting)
    assert "1 of 1 prepared" in text(client.get(response["Location"]))
    assert SummaryPreparation.objects.get(agenda_item=item).status == "done"


def test_retrying_a_prepared_item_shows_why_not(cast, client_for):
    meeting, (item,) = agenda(cast.board, 1)
    meeting_prepare_request(meeting=meeting, by=cast.coordinator)
    SummaryPreparation.objects.filter(agenda_item=item).update(status="done")
    response = client_for(cast.coordinator).post(
        page("meeting-preparation-retry", meeting, item.case), follow=True
    )
    assert "only a failed preparation can be retried" in text(response)


def test_preparing_a_closed_meeting_shows_why_not(cast, client_for):
    meeting, items = agenda(cast.board, 1)
    meeting.status = "closed"
    meeting.save()
    response = client_for(cast.coordinator).post(page("meeting-prepare", meeting), follow=True)
    assert "This meeting is closed" in text(response)
    assert SummaryPreparation.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("chair", 200),
        ("surgeon", 403),
        ("outsider", 404),
        ("patient_user", 403),
    ],
)
def test_who_sees_the_preparation_page(cast, who, status, client_for):
    meeting, items = agenda(cast.board, 1)
    assert client_for(getattr(cast, who)).get(page("meeting-preparation", meeting)).status_code == (
        status
    )


@pytest.mark.parametrize(("who", "status"), [("surgeon", 403), ("outsider", 404)])
def test_only_coordinators_may_prepare(cast, who, status, client_for):
    meeting, items = agenda(cast.board, 1)
    response = client_for(getattr(cast, who)).post(page("meeting-prepare", meeting))
    assert response.status_code == status
    assert SummaryPreparation.objects.count() == 0


def test_anonymous_is_sent_to_log_in(cast):
    meeting, items = agenda(cast.board, 1)
    response = Client().get(page("meeting-packet", meeting))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_prepare_needs_post(cast, client_for):
    meeting, items = agenda(cast.board, 1)
    assert client_for(cast.coordinator).get(page("meeting-prepare", meeting)).status_code == 405


# --- packet ------------------------------------------------------------------------------------


def test_the_packet_has_every_summary_in_agenda_order_and_flags_stale_ones(open_board, client_for):
    cast = open_board
    meeting, (first, second, third) = agenda(cast.board, 3)
    give_opinion(first, cast.surgeon, ["separation_surgery"], rationale="Decompress first.")
    for item in (first, second):
        summary_prepare(item.pk)
    give_opinion(second, cast.surgeon, ["no_surgery"])  # second is now stale

    body = text(client_for(cast.specialists["rehabilitation"]).get(page("meeting-packet", meeting)))
    names = [item.case.patient.family_name.upper() for item in (first, second, third)]
    positions = [
        body.index(f'id="case-{n}-heading">{n}. {name}') for n, name in enumerate(names, 1)
    ]
    assert positions == sorted(positions)
    assert "2 of 3 summaries prepared" in body
    assert body.count("Inputs changed since prepared") == 1
    assert "Decompress first." in body
    assert "Separation surgery + cement augmentation, then SRS/SBRT" in body
    assert "Not prepared yet." in body
    assert "css/packet.css" in body


def test_the_print_stylesheet_starts_each_case_on_a_new_page():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "packet.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert ".summary-case { break-before: page" in print_rules
    assert ".no-print { display: none" in print_rules


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("patient_user", 403)])
def test_outsiders_cannot_read_the_packet(open_board, who, status, client_for):
    cast = open_board
    meeting, (item,) = agenda(cast.board, 1)
    give_opinion(item, cast.surgeon, ["separation_surgery"], rationale="Secret reasoning.")
    summary_prepare(item.pk)
    client = client_for(getattr(cast, who))
    for url in (page("meeting-packet", meeting), page("meeting-summary", meeting, item.case)):
        response = client.get(url)
        assert response.status_code == status
        assert "Secret reasoning" not in text(response)


def test_blind_opinions_keep_a_summary_from_a_specialist_without_their_own(cast, client_for):
    meeting, (item,) = agenda(cast.board, 1)
    give_opinion(item, cast.surgeon, ["separation_surgery"], rationale="Decompress first.")
    summary_prepare(item.pk)
    radonc = client_for(cast.specialists["radiation_oncology"])

    packet = text(radonc.get(page("meeting-packet", meeting)))
    assert "give your own opinion on this case" in packet
    assert "Decompress first." not in packet
    assert radonc.get(page("meeting-summary", meeting, item.case)).status_code == 403
    # The surgeon gave theirs and reads it.
    own = client_for(cast.surgeon).get(page("meeting-summary", meeting, item.case))
    assert own.status_code == 200
    assert "Decompress first." in text(own)


# --- one summary ------------------------------------------------------------------------------


def test_the_summary_page_shows_versions(open_board, client_for):
    cast = open_board
    meeting, (item,) = agenda(cast.board, 1)
    summary_prepare(item.pk)
    give_opinion(item, cast.surgeon, ["no_surgery"], rationale="Not a surgical candidate.")
    summary_prepare(item.pk)
    client = client_for(cast.coordinator)
    url = page("meeting-summary", meeting, item.case)

    latest = text(client.get(url))
    assert "Summary version 2" in latest
    assert "Not a surgical candidate." in latest
    assert 'href="?version=1"' in latest
    assert "Inputs changed since prepared" not in latest

    first = text(client.get(url + "?version=1"))
    assert "Summary version 1" in first
    assert "Inputs changed since prepared" in first
    assert "Not a surgical candidate." not in first
    assert client.get(url + "?version=7").status_code == 404
    assert client.get(url + "?version=x").status_code == 404


def test_a_case_not_on_the_agenda_is_a_404(open_board, other_board, client_for):
    cast = open_board
    meeting, items = agenda(cast.board, 1)
    other_meeting, (other_item,) = agenda(cast.board, 1)
    url = page("meeting-summary", meeting, other_item.case)
    assert client_for(cast.coordinator).get(url).status_code == 404


# --- PDF ---------------------------------------------------------------------------------------


def test_the_packet_downloads_as_a_pdf_with_a_page_per_case(open_board, client_for):
    cast = open_board
    meeting, items = agenda(cast.board, 3)
    give_opinion(
        items[0], cast.surgeon, ["separation_surgery"], rationale="Decompress – first ≥ 48 h."
    )
    for item in items[:2]:
        summary_prepare(item.pk)

    response = client_for(cast.specialists["rehabilitation"]).get(
        page("meeting-packet-pdf", meeting)
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="packet-')
    assert items[0].case.patient.family_name not in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1 + 3  # the cover, then one per case


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("patient_user", 403)])
def test_outsiders_cannot_download_the_pdf(open_board, who, status, client_for):
    cast = open_board
    meeting, (item,) = agenda(cast.board, 1)
    summary_prepare(item.pk)
    response = client_for(getattr(cast, who)).get(page("meeting-packet-pdf", meeting))
    assert response.status_code == status
    assert not response.content.startswith(b"%PDF")


def test_the_packet_with_every_text_at_its_limit_stays_a_bounded_pdf(open_board, client_for):
    """The worst a packet can hold since texts have limits (tumorboard.bounds): every text of the
    case and every opinion at its limit, as one unbroken word (the slowest to break into lines).
    A 1 MB rationale made this take 33 s; at the limits it is a few dozen pages (measured once:
    about 1 s on the development machine)."""
    cast = open_board
    meeting, (item,) = agenda(cast.board, 1)
    at_limit = {
        name: "W" * Case._meta.get_field(name).max_length
        for name in (
            "clinical_question",
            "molecular_markers",
            "systemic_therapy_history",
            "neuro_deficits",
            "analgesics",
            "comorbidities",
            "goals_notes",
        )
    }
    Case.objects.filter(pk=item.case_id).update(**at_limit)
    for user in cast.specialists.values():
        give_opinion(
            item,
            user,
            ["separation_surgery"],
            rationale="W" * bounds.LONG_TEXT,
            details="W" * bounds.TEXT,
            questions_for_board="W" * bounds.TEXT,
            data_needed="W" * bounds.TEXT,
        )
    summary_prepare(item.pk)
    started = time.monotonic()
    response = client_for(cast.coordinator).get(page("meeting-packet-pdf", meeting))
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    pages = len(re.findall(rb"/Type /Page\b", response.content))
    assert 2 < pages <= 80
    assert elapsed < 25  # far below gunicorn's 30 s even on a loaded machine
