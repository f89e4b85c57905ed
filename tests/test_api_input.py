"""API input that the schema-driven fuzzer (tests/test_api_fuzz.py) does not generate.

Hypothesis draws no lone surrogates, so these 500s were found by hand-written probes next to it.
"""

import json

import pytest
from django.urls import reverse

from tests.factories import CaseFactory
from tumorboard.parsers import MAX_JSON_DEPTH, TOO_DEEP, UNPAIRED_SURROGATE

pytestmark = pytest.mark.django_db


def patch_json(client, url, text: str):
    return client.patch(url, text, content_type="application/json", HTTP_IF_MATCH='"1"')


@pytest.mark.parametrize(
    "body",
    [
        # Each was a 500: the 400 quoted the text back, and UTF-8 cannot encode it.
        {"primary_site": "lung\ud800"},
        {"goals_ranked": ["\udfff"]},
        {"\ud800": 1},
    ],
)
def test_an_unpaired_surrogate_in_json_is_a_400_and_nothing_changes(cast, api, body):
    case = CaseFactory(board=cast.board, primary_site="breast")
    url = reverse("api:case-detail", kwargs={"uuid": case.uuid})
    response = patch_json(api(cast.coordinator), url, json.dumps(body))
    assert response.status_code == 400
    assert response.json() == {"detail": UNPAIRED_SURROGATE}
    case.refresh_from_db()
    assert case.primary_site == "breast"


def test_a_surrogate_pair_is_ordinary_text(cast, api):
    case = CaseFactory(board=cast.board)
    url = reverse("api:case-detail", kwargs={"uuid": case.uuid})
    text = json.dumps({"molecular_markers": "EGFR \U0001f9ec"})  # sent as "\ud83e\uddec"
    assert "\\ud83e\\uddec" in text
    response = patch_json(api(cast.coordinator), url, text)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.molecular_markers == "EGFR \U0001f9ec"


DEEP = 100_000  # far past Python's recursion limit


@pytest.mark.parametrize("who", ["coordinator", None])
def test_deeply_nested_json_is_a_400(cast, api, who):
    case = CaseFactory(board=cast.board)
    client = api(getattr(cast, who) if who else None)
    client.raise_request_exception = False
    url = reverse("api:case-detail", kwargs={"uuid": case.uuid})
    response = patch_json(client, url, "[" * DEEP + "]" * DEEP)
    assert response.status_code == (400 if who else 403)
    if who:
        assert response.json() == {"detail": TOO_DEEP}


@pytest.mark.parametrize("body", ["[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP])
def test_deeply_nested_json_is_a_400_without_signing_in(api, body):
    client = api()
    client.raise_request_exception = False
    response = client.post(reverse("api:token"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": TOO_DEEP}


def test_json_nested_up_to_the_limit_is_parsed(cast, api):
    case = CaseFactory(board=cast.board)
    url = reverse("api:case-detail", kwargs={"uuid": case.uuid})
    inner = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    response = patch_json(api(cast.coordinator), url, '{"goals_ranked": ' + inner + "}")
    assert response.status_code == 400
    assert response.json()["detail"] != TOO_DEEP
