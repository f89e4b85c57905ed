"""Every model has an admin with search; each changelist and add page opens for a superuser."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
OUR_APPS = ("cases", "scheduling", "recommendations")


def our_models():
    return [
        model
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.label.split(".")[1].startswith("Historical")
    ]


def test_every_model_of_ours_is_in_the_admin():
    missing = [m._meta.label for m in our_models() if m not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_admin_changelist_with_search_opens(client, model):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": "x"})
    assert response.status_code == 200
