"""Property-based tests of the live schema (schemathesis): for generated requests
to every operation, signed with a real token, no answer is a 5xx and every
answer matches the status codes, content type and body the schema documents.

Examples per operation are bounded so the run stays well under a minute.
"""

import datetime

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import issue_token
from tests import factories

schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
# Valid requests and invalid ones (wrong types, missing fields, NUL bytes...).
schema.config.generation.update(
    modes=list(schemathesis.GenerationMode), allow_x00=True, deterministic=True
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI handler: keep it from closing the test's
    database connection at the end of each request, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, keep_test_connection):
    """A customer with a cart, an address and a token; some catalog to hit."""
    slot = factories.make_slot(start=datetime.time(8, 0))
    package = factories.make_package()
    user = factories.make_user()
    factories.make_address(user=user)
    factories.make_cart(user=user, items=[(package, factories.booking_date(5), slot)])
    factories.make_promo(code="SAVE10")
    return issue_token(user=user).raw


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, token):
    # The WSGI transport does not undo GZipMiddleware; a real HTTP client does.
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    case.call_and_validate(headers=headers, checks=CHECKS)
