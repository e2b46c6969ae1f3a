"""Every admin changelist and change form renders in a bounded number of queries."""

import pytest
from django.contrib import admin
from django.urls import reverse

from actors.privacy import Erasure
from initiatives.models import Proposal, ReviewEmailPreference

# Each agent's email preference is a page of their own, not a registry record (tested with the
# workflow, tests/portal/test_admin_workflow.py).
REGISTRY_MODELS = [
    model
    for model in admin.site._registry
    if model._meta.app_label in ("initiatives", "actors") and model is not ReviewEmailPreference
]
# Proposals are made from a record, never added, and the demo data has none: their comparison
# pins its queries in tests/initiatives/test_proposals.py. Erasures are written by the erasure
# alone and only read (tests/portal/test_privacy_admin.py).
FORM_MODELS = [model for model in REGISTRY_MODELS if model not in (Proposal, Erasure)]
# Generous but fixed ceilings: a changelist must not query per row, a change form per inline row.
MAX_CHANGELIST_QUERIES = 15
MAX_CHANGE_FORM_QUERIES = 55  # the workflow panel, proposals and figure sources add a few


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_queries_are_bounded(
    model, demo_data, admin_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_CHANGELIST_QUERIES):
        response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", FORM_MODELS, ids=lambda m: m._meta.model_name)
def test_change_form_queries_are_bounded(
    model, demo_data, admin_client, django_assert_max_num_queries
):
    # The record with the most related rows is the hardest case; fall back to any.
    obj = model.objects.order_by("-pk").first()
    assert obj is not None, f"the demo data has no {model._meta.verbose_name}"
    with django_assert_max_num_queries(MAX_CHANGE_FORM_QUERIES):
        response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("model", FORM_MODELS, ids=lambda m: m._meta.model_name)
def test_add_form_renders(model, admin_client):
    assert admin_client.get(admin_url(model, "add")).status_code == 200
