"""The board's real week, Monday to Friday, in a real browser (issue 14's "done when").

Two meetings of the board: this week's and next week's. On Monday each role signs in and lands on
its worklist (screenshots, paths printed). On Tuesday the coordinator completes the incomplete
lesion of a newly registered case on its pages, marks it ready and puts it on this week's agenda
from the worklist. On Wednesday the opinion-reminder beat task e-mails the specialists who owe an
opinion; the surgeon opens the e-mail's link, which is the opinion form, and gives the opinion.
On Thursday the meeting is started, attendance is taken in one step, the corrected case is
discussed and its plan signed by the chair on the meeting screen, and the meeting is closed
carrying the case not discussed to next week's meeting. On Friday the coordinator invites the
discussed case's patient from the case page; the patient signs up from the e-mail and reads the
summary in English, then in Spanish.

Through the pages (lesion correction, status, agenda, opinion, start, attendance, decision
record, plan and signature on the meeting screen, closing, invitation, sign-up, language switch),
except (each is covered elsewhere or has no page):
- the cast, both meetings, their invitations and the case registered on Monday with an incomplete
  lesion come from factories (registration on its page: test_journey.py);
- the meeting's start is moved a few minutes into the past before it is run: the pages (rightly)
  cannot plan a meeting in the past, and waiting for it would take hours (as in test_journey.py
  and test_meeting_close.py);
- the beat task sending the reminders is called as beat would call it (tasks run in-process in
  the tests; the e-mails land in django.core.mail.outbox);
- the English and Spanish patient summaries are drafted and released with the services, as in
  test_patient_invitation.py (the release page: test_journey.py).

All names are fictional. Screenshots: test-artifacts/screenshots/board-week-NN-<step>.png.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from cases.models import Case, Patient
from recommendations.models import ConsensusPlan, Opinion
from recommendations.opinions.tasks import send_due_opinion_reminders
from recommendations.patient_summaries import services as summaries
from scheduling.models import AgendaItem, Attendance, Invitation, Meeting, Notification
from scheduling.services.common import local_start
from scheduling.tests.helpers import ready_case
from tests.browser.conftest import emailed_link, sign_in, sign_out
from tests.factories import AgendaItemFactory, LesionFactory, MeetingFactory, in_days

# Without Playwright installed the module is skipped, not an import error (CI requires it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "amber-lantern-5318"


def message(page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def test_a_week_of_the_board(browser_page, live_server, cast, numbered_screenshot, settings):
    settings.SITE_URL = live_server.url
    page, url = browser_page, live_server.url

    def shot(name: str):
        return numbered_screenshot(page, "board-week", name)

    # --- Monday: two meetings, a case on this week's agenda, a case registered incomplete -------
    now = timezone.now()
    this_week = MeetingFactory(
        board=cast.board,
        starts_at=now + dt.timedelta(hours=3),
        ends_at=now + dt.timedelta(hours=4),
    )
    next_week = MeetingFactory(board=cast.board, starts_at=in_days(7), ends_at=in_days(7, 8, 30))
    radonc = cast.specialists["radiation_oncology"]
    for user in (cast.surgeon, radonc, cast.chair):
        Invitation.objects.create(
            meeting=this_week,
            user=user,
            discipline=user.specialist_profile.discipline,
            response="accepted",
        )
    waiting = ready_case(
        cast.board,
        status=Case.Status.SCHEDULED,
        created_by=cast.surgeon,
        patient__given_name="Idris",
        patient__family_name="Fallowmere",
    )
    AgendaItemFactory(meeting=this_week, case=waiting, position=1)
    corrected = ready_case(
        cast.board,
        status=Case.Status.REFERRED,
        urgency="urgent",
        goals_ranked=["walking", "independence"],
        patient__given_name="Nerys",
        patient__family_name="Quillfeather",
        patient__email="",
    )
    corrected.lesions.all().delete()
    LesionFactory(  # registered with its level, MRI and pain only
        case=corrected,
        level="T10",
        bone_lesion="",
        alignment="",
        collapse="",
        posterolateral="",
        escc_grade="",
    )
    corrected_name = "QUILLFEATHER, Nerys"
    waiting_name = "FALLOWMERE, Idris"

    def worklist(role: str) -> None:
        expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()
        path = shot(f"worklist-{role}")
        assert path.is_file()
        print(f"worklist screenshot ({role}): {path}")

    sign_in(page, url, cast.surgeon.username)
    due = page.locator("#opinions-due")
    expect(due.get_by_role("row", name=re.compile(waiting_name))).to_contain_text("Overdue")
    expect(due).not_to_contain_text(corrected_name)
    worklist("specialist")
    sign_out(page)

    sign_in(page, url, cast.coordinator.username)
    gap = page.locator("#readiness-gaps").get_by_role("row", name=re.compile(corrected_name))
    expect(gap).to_contain_text("NOMS at T10: ESCC (Bilsky) grade")
    expect(page.locator("#ready-unscheduled")).not_to_contain_text(corrected_name)
    upcoming = page.locator("#upcoming-meetings tbody tr")
    expect(upcoming).to_have_count(2)
    worklist("coordinator")
    sign_out(page)

    sign_in(page, url, cast.chair.username)
    expect(page.locator("#meetings-to-run tbody tr")).to_have_count(2)
    expect(page.locator("#meetings-to-run tbody tr").first).to_contain_text("Open the meeting")
    worklist("chair")
    sign_out(page)

    # --- Tuesday: the coordinator completes the lesion; the case is ready, then on the agenda ---
    sign_in(page, url, cast.coordinator.username)
    page.locator("#readiness-gaps").get_by_role("link", name=corrected_name).click()
    expect(page.get_by_role("heading", level=1, name=corrected_name)).to_be_visible()
    expect(page.locator("#lesions .lesion-missing")).to_contain_text(
        "Not recorded: bone lesion; alignment; collapse"
    )
    page.get_by_role("link", name="Complete lesion T10").click()
    expect(page.get_by_role("heading", level=1, name="Correct lesion T10")).to_be_visible()
    page.get_by_label("Bone lesion").select_option(label="Lytic")
    page.get_by_label("Alignment").select_option(label="Normal")
    page.get_by_label("Collapse").select_option(label="<50% collapse")
    page.get_by_label("Posterolateral").select_option(label="Unilateral")
    page.get_by_label("ESCC (Bilsky) grade").select_option(label="3 – cord compressed, no CSF")
    page.get_by_role("button", name="Save correction").click()
    message(page, "Lesion T10 corrected.")
    expect(page.locator("#lesions .lesion-missing")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("Lesion T10 changed")
    page.get_by_role("button", name="Mark “Ready for review”").click()
    message(page, "Status changed to Ready for review.")
    shot("case-corrected")
    assert Case.objects.get(pk=corrected.pk).status == Case.Status.READY

    page.goto(f"{url}/")
    expect(page.locator("#readiness-gaps")).not_to_contain_text(corrected_name)
    ready = page.locator("#ready-unscheduled").get_by_role("row", name=re.compile(corrected_name))
    ready.get_by_role("link", name="Add to the next meeting").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{this_week.uuid}/#agenda$"))
    agenda = page.locator("#agenda")
    label = f"{corrected_name} – Urgent, ready for review ({cast.board.name})"
    expect(page.locator("#invitations")).to_contain_text("Quorum expected")
    agenda.get_by_label(re.compile(r"^Case:?$")).select_option(label=label)
    agenda.get_by_role("button", name="Add to agenda").click()
    message(page, "Case added at position 1.")  # urgent: ahead of the routine case
    rows = agenda.locator("tbody tr")
    expect(rows.first.get_by_role("link", name=corrected_name)).to_be_visible()
    expect(rows.nth(1).get_by_role("link", name=waiting_name)).to_be_visible()
    shot("agenda")
    assert AgendaItem.objects.get(case=corrected, is_open=True).meeting == this_week
    assert Case.objects.get(pk=corrected.pk).status == Case.Status.SCHEDULED
    sign_out(page)

    # --- Wednesday: the reminder e-mail; its link opens the opinion form ------------------------
    mail.outbox.clear()
    sent = send_due_opinion_reminders()
    assert sent == 6  # three invited specialists, two cases each, none given yet
    assert send_due_opinion_reminders() == 0  # once, ever
    reminder = Notification.objects.get(
        recipient=cast.surgeon, dedupe_key__endswith=str(corrected.uuid)
    )
    assert reminder.kind == Notification.Kind.OPINION_REMINDER
    link = emailed_link(
        url, rf"/opinions/{this_week.uuid}/{corrected.uuid}/", to=cast.surgeon.email
    )
    [email] = [
        m for m in mail.outbox if m.subject == reminder.subject and m.to == [cast.surgeon.email]
    ]
    assert len(mail.outbox) == sent
    assert "Quillfeather" not in email.body and corrected.patient.mrn not in email.body
    assert any(link in html for html, _type in email.alternatives)

    sign_in(page, url, cast.surgeon.username)
    due = page.locator("#opinions-due").get_by_role("row", name=re.compile(corrected_name))
    expect(due.get_by_role("link", name="Give your opinion")).to_be_visible()
    page.goto(link)
    expect(page).to_have_url(link)
    expect(page.get_by_role("heading", level=1, name=corrected_name)).to_be_visible()
    expect(page.get_by_role("heading", name="Spinal lesions")).to_be_visible()
    shot("reminder-link")
    page.get_by_label("Separation surgery", exact=True).check()
    page.get_by_label("Urgent", exact=True).check()
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Rationale").fill("Cord compression at T10 from a radioresistant primary.")
    page.get_by_role("button", name="Submit opinion").click()
    message(page, "Opinion saved (revision 1).")
    assert Opinion.objects.filter(case=corrected, author=cast.surgeon).count() == 1
    sign_out(page)

    # --- Thursday: the meeting's time has come (see the module docstring) ------------------------
    now = timezone.now()
    Meeting.objects.filter(pk=this_week.pk).update(
        starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(minutes=55)
    )
    sign_in(page, url, cast.coordinator.username)
    page.goto(f"{url}/meetings/{this_week.uuid}/")
    badge = page.locator(".page-head .status")
    page.get_by_role("button", name="Start the meeting").click()
    message(page, "Meeting started")
    expect(badge).to_have_text("In progress")
    attendance = page.locator("#attendance")
    attendance.get_by_label(f"Attendance of {radonc.get_full_name()}").select_option("remote")
    attendance.get_by_role("button", name="Mark all invited members present").click()
    message(page, "Attendance recorded for 3 people.")
    expect(page.locator("#attendance")).to_contain_text("Quorum met")
    assert Attendance.objects.filter(meeting=this_week).count() == 3
    shot("meeting-started")
    sign_out(page)

    # The chair discusses the corrected case on the meeting screen and signs its plan.
    sign_in(page, url, cast.chair.username)
    expect(page.locator("#meetings-to-run tbody tr").first).to_contain_text("Continue the meeting")
    page.goto(f"{url}/meetings/{this_week.uuid}/run/?item=1")
    expect(page.get_by_role("heading", level=2, name=corrected_name)).to_be_visible()
    page.get_by_role("button", name="Open the decision record").click()
    record = page.locator("#record")
    record.get_by_label("Patient and family involvement").select_option(
        label="Patient and family will be involved"
    )
    record.get_by_role("button", name="Save the record").click()
    message(page, "Decision record saved (version 2).")
    plan = page.locator("#plan")
    activity = plan.get_by_role("group", name="Activity", exact=True).first
    activity.get_by_label("Kind").select_option(label="Local control: surgery")
    activity.get_by_label(re.compile(r"^Activity:?$")).fill("Separation surgery at T10")
    activity.get_by_label("Responsible discipline").select_option(label="Spine surgery")
    activity.get_by_label("Due").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    plan.get_by_label("Outcome").select_option(label="Plan agreed")
    plan.get_by_label("The plan in one paragraph").fill(
        "Separation surgery at T10, then SBRT once the wound has healed."
    )
    plan.get_by_role("button", name="Save the plan").click()
    message(page, "Plan saved")
    page.locator("#sign").get_by_role("button", name="Sign the plan as chair").click()
    message(page, "Plan signed.")
    expect(page.get_by_role("heading", name="Consensus plan signed")).to_be_visible()
    shot("plan-signed")
    signed = ConsensusPlan.objects.get(decision__agenda_item__case=corrected)
    assert signed.status == ConsensusPlan.Status.SIGNED and signed.signed_by == cast.chair
    assert Case.objects.get(pk=corrected.pk).status == Case.Status.PLAN_SIGNED
    sign_out(page)

    # The coordinator closes the meeting, carrying the case not discussed to next week.
    sign_in(page, url, cast.coordinator.username)
    page.goto(f"{url}/meetings/{this_week.uuid}/")
    page.get_by_role("link", name="Close the meeting…").click()
    expect(page.get_by_text("1 case on the agenda was not discussed.")).to_be_visible()
    page.locator(f"#undiscussed-{waiting.uuid}").get_by_label(
        f"Carry to the next meeting, {local_start(next_week)}"
    ).check()
    page.get_by_role("button", name="Close the meeting").click()
    message(page, "Meeting closed.")
    expect(badge).to_have_text("Closed")
    shot("meeting-closed")
    assert Meeting.objects.get(pk=this_week.pk).status == Meeting.Status.CLOSED
    assert AgendaItem.objects.get(case=waiting, is_open=True).meeting == next_week
    page.goto(f"{url}/meetings/{next_week.uuid}/")
    expect(page.locator("#agenda").get_by_role("link", name=waiting_name)).to_be_visible()
    assert Notification.objects.filter(
        recipient=cast.surgeon, body__contains="now on the agenda of the meeting on"
    ).exists()

    # --- Friday: the patient is invited from the case and reads both languages ------------------
    for language in ("en", "es"):
        summaries.patient_summary_release(
            summary=summaries.patient_summary_draft(plan=signed, by=cast.chair, language=language),
            by=cast.chair,
        )
    mail.outbox.clear()
    page.goto(f"{url}/cases/{corrected.uuid}/")
    access = page.locator("#patient-access")
    access.get_by_label("Patient's e-mail address").fill("nerys.quillfeather@example.org")
    access.get_by_role("button", name="Invite patient to their summaries").click()
    message(page, "An invitation to read their summaries was e-mailed")
    shot("patient-invited")
    sign_out(page)

    join = emailed_link(url, r"/join/\S+/", to="nerys.quillfeather@example.org")
    page.goto(join)
    expect(page.get_by_role("heading", level=1, name="Create your account")).to_be_visible()
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1, name="My summaries")).to_be_visible()
    english = signed.patient_summaries.get(language="en")
    spanish = signed.patient_summaries.get(language="es")
    page.get_by_role("link", name=english.title).click()
    expect(page.get_by_role("heading", level=1, name=english.title)).to_be_visible()
    expect(page.get_by_text("may be out of date")).to_have_count(0)
    assert page.locator("html").get_attribute("lang") == "en"
    shot("patient-english")
    page.get_by_role("navigation", name="Language").get_by_role(
        "link", name="Español", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1, name=spanish.title)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    shot("patient-spanish")
    patient = Patient.objects.select_related("user").get(pk=corrected.patient_id)
    assert patient.user is not None and patient.user.has_usable_password()
