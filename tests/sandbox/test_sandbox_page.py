"""The hosted payment page at /transact/uat_v2."""

import re
import urllib.parse

import pytest

from tests.sandbox.conftest import REDIRECT_URL, http


def page_url(created):
    return created["redirectUrl"]


def token_of(created):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(created["redirectUrl"]).query)[
        "token"
    ][0]


def submit(sandbox, created, action, **fields):
    form = {"token": token_of(created), "action": action, **fields}
    return http("POST", sandbox.root_url + "/transact/uat_v2", form=form)


def test_page_shows_merchant_amount_and_choices(api):
    created = api.create("PAGE-1", amount=149900)

    response = http("GET", page_url(created))

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert "₹1,499.00" in html
    assert "PAGE-1" in html
    assert "OKPUJALOCAL" in html
    for testid, label in [
        ("pay-upi", "Pay with UPI"),
        ("pay-card", "Pay with card"),
        ("decline", "Decline payment"),
        ("leave-pending", "Leave pending"),
    ]:
        assert re.search(
            rf'<button[^>]*data-testid="{testid}"[^>]*>{label}</button>', html
        )
    assert html.count('<form method="post"') == 4
    assert '<label for="error_code">' in html
    for code in (
        "PAYMENT_ERROR/U28",
        "INSUFFICIENT_BALANCE/ZM",
        "AUTHORIZATION_ERROR/U90",
    ):
        assert f'value="{code}"' in html
    assert "<script" not in html


def test_page_formats_large_amounts_indian_style(api):
    created = api.create("PAGE-2", amount=12345678)

    assert "₹1,23,456.78" in http("GET", page_url(created)).text


@pytest.mark.parametrize(
    "action,fields,state,error_code",
    [
        ("pay_upi", {}, "COMPLETED", None),
        ("pay_card", {}, "COMPLETED", None),
        (
            "decline",
            {"error_code": "INSUFFICIENT_BALANCE/ZM"},
            "FAILED",
            "INSUFFICIENT_BALANCE",
        ),
        ("pending", {}, "PENDING", None),
    ],
)
def test_each_choice_redirects_to_merchant_url_unchanged(
    api, sandbox, receiver, action, fields, state, error_code
):
    order = f"PAGE-{action}"
    created = api.create(order)

    response = submit(sandbox, created, action, **fields)

    assert response.status == 303
    assert response.headers["Location"] == REDIRECT_URL.format(order=order)
    status = api.status(order).json()
    assert status["state"] == state
    assert status.get("errorCode") == error_code
    if state != "PENDING":
        [webhook] = receiver.wait_for(1, order=order)
        assert webhook["json"]["payload"]["state"] == state


def test_settled_order_page_says_so(api, sandbox):
    created = api.create("PAGE-DONE")
    submit(sandbox, created, "pay_upi")

    page = http("GET", page_url(created))
    again = submit(sandbox, created, "decline")

    assert page.status == 200
    assert "already completed" in page.text
    assert 'data-testid="pay-upi"' not in page.text
    assert REDIRECT_URL.format(order="PAGE-DONE").replace("&", "&amp;") in page.text
    assert again.status == 409
    assert api.status("PAGE-DONE").json()["state"] == "COMPLETED"


def test_expired_order_page_says_so(api, sandbox):
    created = api.create("PAGE-EXP")
    sandbox.expire("PAGE-EXP")

    page = http("GET", page_url(created))

    assert page.status == 200
    assert "expired" in page.text
    assert 'data-testid="back-to-merchant"' in page.text


def test_unknown_token_is_404_page(sandbox):
    response = http("GET", sandbox.root_url + "/transact/uat_v2?token=nope")

    assert response.status == 404
    assert "not valid" in response.text
