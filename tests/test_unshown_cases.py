"""No page or response grows with the cases it does not show (issue 12).

The meeting page ("add a case"), the meeting list (the urgent-meeting form), the readiness board
(page and API) and the meeting API keep their size (in bytes, within a few digits of counts) and
their number of queries while 200 cases they do not show are added: on the same board but not on
the agenda, and on other boards. The lists are already full (more cases than a picker or a
readiness column shows) before, and the cases added are routine and newer, so they sort after the
ones shown.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from scheduling import services
from scheduling.selectors import PICKER_LIMIT, READINESS_PER_COLUMN
from scheduling.tests.helpers import ready_case
from tests.factories import BoardFactory, CaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

UNRELATED = 200
# Counts shown on the pages gain a digit or two ("45 cases" → "245 cases").
SLACK_BYTES = 64


def _measure(client, path) -> tuple[int, int]:
    """(bytes, queries) of a GET answered 200, asked twice so per-user caches are warm."""
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(response.content), len(queries)


def _add_unrelated(cast) -> None:
    third = BoardFactory(name="Third board")
    per_group = UNRELATED // 4
    for status in (Case.Status.READY, Case.Status.REFERRED):
        CaseFactory.create_batch(per_group, board=cast.board, status=status)
        CaseFactory.create_batch(per_group // 2, board=cast.other_board, status=status)
        CaseFactory.create_batch(per_group // 2, board=third, status=status)


@pytest.fixture
def full_board(cast, meeting):
    """The board with more waiting cases than a picker or a readiness column shows, and two cases
    on the meeting's agenda."""
    waiting = max(PICKER_LIMIT, READINESS_PER_COLUMN) + 5
    for _ in range(waiting):
        ready_case(cast.board)
        CaseFactory(board=cast.board, status=Case.Status.REFERRED)
    for case in Case.objects.filter(board=cast.board, status=Case.Status.READY)[:2]:
        services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    return cast


def test_no_response_grows_with_cases_it_does_not_show(full_board, meeting, client_for, api):
    cast = full_board
    page, rest = client_for(cast.coordinator), api(cast.coordinator)
    measured = {
        "meeting page": (page, reverse("meeting-detail", args=[meeting.uuid])),
        "meeting list": (page, reverse("meeting-list")),
        "readiness page": (page, reverse("readiness-board")),
        "readiness column page": (page, reverse("readiness-column", args=["ready"])),
        "readiness API": (rest, reverse("api:readiness-board")),
        "readiness column API": (rest, reverse("api:readiness-column", args=["referred"])),
        "meeting API": (rest, reverse("api:meeting-detail", args=[meeting.uuid])),
    }
    before = {name: _measure(client, path) for name, (client, path) in measured.items()}
    cases_before = Case.objects.count()

    _add_unrelated(cast)

    assert Case.objects.count() == cases_before + UNRELATED
    after = {name: _measure(client, path) for name, (client, path) in measured.items()}
    for name in measured:
        (size_before, queries_before), (size_after, queries_after) = before[name], after[name]
        assert queries_after == queries_before, f"{name}: {queries_before} → {queries_after}"
        assert abs(size_after - size_before) <= SLACK_BYTES, (
            f"{name}: {size_before} → {size_after} bytes"
        )


def test_the_pages_show_the_top_and_the_counts(full_board, meeting, client_for, api):
    cast = full_board
    _add_unrelated(cast)
    page = client_for(cast.coordinator)
    html = page.get(reverse("meeting-detail", args=[meeting.uuid])).content.decode()
    picker = html.split('class="add-case')[1].split("</form>")[0]
    assert picker.count("<option") == PICKER_LIMIT + 1  # and the empty choice
    assert "Every case waiting for an agenda, most urgent first." in picker
    assert "Only the first 20 are listed" in picker

    html = page.get(reverse("meeting-list")).content.decode()
    assert html.count('type="checkbox" name="urgent-cases"') == PICKER_LIMIT

    columns = {
        c["state"]: c for c in api(cast.coordinator).get(reverse("api:readiness-board")).json()
    }
    waiting = max(PICKER_LIMIT, READINESS_PER_COLUMN) + 5
    assert columns["ready"]["count"] == waiting - 2 + UNRELATED // 4
    assert columns["referred"]["count"] == waiting + UNRELATED // 4
    assert columns["scheduled"]["count"] == 2
    assert len(columns["ready"]["cases"]) == READINESS_PER_COLUMN
    assert columns["ready"]["next"].startswith(reverse("api:readiness-column", args=["ready"]))
    assert columns["scheduled"]["next"] is None
