"""OAuth token endpoint and O-Bearer checks on business endpoints."""

import time

import pytest

from tests.sandbox.conftest import Api, http, pay_body, token_form
from tests.sandbox_process import SandboxProcess


def test_token_has_phonepe_fields(sandbox):
    response = http("POST", sandbox.base_url + "/v1/oauth/token", form=token_form())

    assert response.status == 200
    token = response.json()
    assert token["token_type"] == "O-Bearer"
    assert set(token) >= {
        "access_token",
        "encrypted_access_token",
        "refresh_token",
        "expires_in",
        "issued_at",
        "expires_at",
        "session_expires_at",
    }
    assert token["expires_in"] == 3600
    assert token["expires_at"] - token["issued_at"] == 3600
    assert abs(token["issued_at"] - time.time()) < 5  # epoch seconds, not ms
    assert sandbox.stats()["tokens_issued"] == 1


@pytest.mark.parametrize(
    "prefix", ["/apis/pg-sandbox", "/apis/pg", "/apis/identity-manager"]
)
def test_token_served_under_every_base_path(sandbox, prefix):
    response = http(
        "POST", sandbox.root_url + prefix + "/v1/oauth/token", form=token_form()
    )

    assert response.status == 200
    assert response.json()["token_type"] == "O-Bearer"


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_secret": "wrong"},
        {"client_id": "SOMEONE_ELSE"},
        {"client_version": "2"},
        {"grant_type": "password"},
        {"grant_type": ""},
    ],
)
def test_bad_credentials_or_grant_answer_invalid_client(sandbox, overrides):
    response = http(
        "POST", sandbox.base_url + "/v1/oauth/token", form=token_form(**overrides)
    )

    assert response.status == 400
    body = response.json()
    assert body["code"] == "INVALID_CLIENT"
    assert body["errorCode"] == "OIM000"
    assert body["message"].startswith("Bad Request: Invalid Client, trackingId: ")
    assert body["context"] == {"error_description": "Client authentication failure"}
    assert sandbox.stats() == {
        "tokens_issued": 0,
        "calls": {"pay": 0, "status": 0, "refund": 0, "refund_status": 0, "token": 1},
    }


UNAUTHORIZED = {
    "code": "UNAUTHORIZED",
    "errorCode": "PR004",
    "message": "Unauthorized",
    "data": {},
}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "O-Bearer not-a-token",
        "O-Bearer ",
        "Bearer {token}",
        "{token}",
        "o-bearer {token}",
    ],
)
def test_business_endpoints_need_a_valid_o_bearer_token(sandbox, api, authorization):
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization.format(token=api.token())

    for method, path, body in [
        ("POST", "/checkout/v2/pay", pay_body("AUTH-1")),
        ("GET", "/checkout/v2/order/AUTH-1/status", None),
        (
            "POST",
            "/payments/v2/refund",
            {
                "merchantRefundId": "R1",
                "originalMerchantOrderId": "AUTH-1",
                "amount": 100,
            },
        ),
        ("GET", "/payments/v2/refund/R1/status", None),
    ]:
        response = http(
            method, sandbox.base_url + path, json_body=body, headers=headers
        )
        assert response.status == 401, path
        assert response.json() == UNAUTHORIZED
    assert sandbox.orders() == []


def test_expired_token_is_rejected():
    with SandboxProcess(token_ttl=1) as sandbox:
        api = Api(sandbox.base_url)
        token = http(
            "POST", sandbox.base_url + "/v1/oauth/token", form=token_form()
        ).json()
        assert token["expires_in"] == 1
        assert api.pay(pay_body("TTL-1")).status == 200

        time.sleep(1.2)
        response = http(
            "GET",
            sandbox.base_url + "/checkout/v2/order/TTL-1/status",
            headers={"Authorization": "O-Bearer " + token["access_token"]},
        )

        assert response.status == 401
        assert response.json() == UNAUTHORIZED


def test_reset_keeps_issued_tokens_valid(sandbox, api):
    api.create("RESET-1")
    sandbox.reset()

    assert api.status("RESET-1").status == 404  # token still accepted, order gone
