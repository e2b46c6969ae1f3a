"""Schemathesis against the generated OpenAPI document: every operation, with inputs that
follow the document and inputs that break it (a slug outside its pattern, a NUL byte, an
unknown format...); every answer must be documented, of the documented type and shape, and
never a server error."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.opendata import access, api

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(
    api.OPENAPI,
    config=schemathesis.Config.from_dict(
        {"generation": {"mode": "all", "max-examples": 25, "deterministic": True}}
    ),
)


@pytest.fixture
def application(monkeypatch):
    """Django's WSGI handler on the test's own connection, as the test client runs it."""
    monkeypatch.setattr(access, "RATE_LIMIT", 1_000_000)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Each operation a test of its own, parametrized here rather than by schemathesis's plugin:
# under pytest-xdist the plugin's items came back as one result for sixteen operations.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_answers_as_documented(operation, application):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def answers_as_documented(case):
        case.call_and_validate(app=application, checks=CHECKS)

    answers_as_documented()


def test_every_operation_of_the_document_is_checked():
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    documented = {
        (method.upper(), path)
        for path, item in api.OPENAPI["paths"].items()
        for method in item
        if method in methods
    }
    assert {(operation.method.upper(), operation.path) for operation in OPERATIONS} == documented
