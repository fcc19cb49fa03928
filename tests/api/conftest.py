"""Fixtures of the API tests: a customer with a token, and a JSON client for it."""

import json

import pytest

from api.tokens import issue_token
from tests import factories


class ApiClient:
    """Django's test client speaking JSON with a bearer token (or none)."""

    def __init__(self, client, token=None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def _send(self, method, path, body=None, headers=None):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method)(
            path,
            data=data if body is not None else "",
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post(self, path, body=None, headers=None):
        return self._send("post", path, body, headers)

    def put(self, path, body=None, headers=None):
        return self._send("put", path, body, headers)

    def patch(self, path, body=None, headers=None):
        return self._send("patch", path, body, headers)

    def delete(self, path, body=None, headers=None):
        return self._send("delete", path, body, headers)


@pytest.fixture
def customer(db):
    return factories.make_user()


@pytest.fixture
def api(client, customer):
    return ApiClient(client, issue_token(user=customer, name="tests").raw)


@pytest.fixture
def anon(client, db):
    return ApiClient(client)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code, body
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]
