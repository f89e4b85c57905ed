"""The OpenAPI schema is complete and generates without warnings."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_lists_the_api(cast, api):
    response = api(cast.coordinator).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{uuid}/",
        "/api/v1/cases/{uuid}/transition/",
        "/api/v1/cases/{uuid}/history/",
        "/api/v1/patients/",
        "/api/v1/boards/",
        "/api/v1/meetings/",
        "/api/v1/auth/token/",
    ):
        assert path in paths
    assert not any("mrn" in path for path in paths)


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/cases/{uuid}/history/:" in text
    assert "CaseStatusEnum" in text


def test_schema_allows_what_the_api_returns(cast, api):
    """Mismatches the API fuzzer (tests/test_api_fuzz.py) found: the responses were right."""
    schema = api(cast.coordinator).get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    blank = {"$ref": "#/components/schemas/BlankEnum"}
    # Unanswered choices come back as "" in read-only case fields.
    for field in ("asia_grade", "frankel_grade", "primary_growth", "neuro_progression"):
        assert blank in components["CaseDetail"]["properties"][field]["oneOf"], field
    # A meeting or schedule without a video link says "", which the "uri" format refuses.
    for component in ("Meeting", "MeetingDetail", "Schedule"):
        link = components[component]["properties"]["video_link"]
        assert "format" not in link
        assert {"maxLength": 0} in link["anyOf"]
    # A standing schedule's start is a wall-clock time without an offset.
    start = components["Schedule"]["properties"]["local_start_time"]
    assert "format" not in start
    assert start["pattern"] == r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"
    # A 409 is either a stale version (with the current record) or a locked plan (without).
    assert "required" in components["VersionConflict"]
    assert components["Conflict"]["required"] == ["detail"]
    paths = schema["paths"]
    assert "400" in paths["/api/v1/auth/token/"]["post"]["responses"]
    assert "400" in paths["/api/v1/activities/{uuid}/"]["delete"]["responses"]
    reading_a_body = [
        (path, method)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    assert len(reading_a_body) > 30
    for path, method in reading_a_body:
        assert "415" in paths[path][method]["responses"], (method, path)


def test_schema_and_docs_are_for_signed_in_users_by_default(cast, client, settings):
    assert settings.API_DOCS_PUBLIC is False
    for url in ("/api/schema/", "/api/docs/"):
        assert client.get(url).status_code == 403, url
    client.force_login(cast.patient_user)
    for url in ("/api/schema/", "/api/docs/"):
        assert client.get(url).status_code == 200, url


def test_a_setting_makes_schema_and_docs_public(client, settings):
    settings.API_DOCS_PUBLIC = True
    for url in ("/api/schema/", "/api/docs/"):
        assert client.get(url).status_code == 200, url
