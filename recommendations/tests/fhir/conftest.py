"""Fixtures of the FHIR exchange tests: the demo seeded, and checks every Bundle must pass."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from cases.models import Case


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--force", stdout=StringIO())
    return Case.objects.select_related("board", "patient").order_by("patient__mrn")


def references(value: Any) -> list[str]:
    """Every `reference` string anywhere in a resource."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("reference")
            if isinstance(ref, str):
                found.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def assert_valid_bundle(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Bundle and each entry parse with the fhir.resources R4 (R4B) models, full URLs are
    unique and every reference resolves inside the Bundle. Returns resources by full URL."""
    Bundle.model_validate(bundle)
    by_url: dict[str, dict[str, Any]] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] not in by_url, entry["fullUrl"]
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        by_url[entry["fullUrl"]] = resource
    for resource in by_url.values():
        for ref in references(resource):
            assert ref in by_url, f"{resource['resourceType']} refers to {ref}, not in the Bundle"
    return by_url


def of_type(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    ]
