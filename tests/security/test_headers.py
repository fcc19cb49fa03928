"""Content-Security-Policy, Permissions-Policy and templates that obey them."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.fixtures import Shop

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(response):
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (piece.strip() for piece in policy.split(";"))
        if part
    }


def test_every_page_has_a_strict_policy(client):
    policy = directives(client.get(reverse("storefront:catalog")))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_the_checkout_page_may_post_on_to_phonepe(client, phonepe, settings):
    user, _cart, _address = Shop().customer()
    client.force_login(user)
    response = client.get(reverse("checkout:checkout"))
    assert response.status_code == 200
    assert directives(response)["form-action"] == [
        "'self'",
        phonepe.base_url.rsplit("/apis", 1)[0],
    ]
    settings.PHONEPE_ENV = "PRODUCTION"
    assert (
        "https://mercury-t2.phonepe.com"
        in directives(client.get(reverse("checkout:checkout")))["form-action"]
    )


def test_permissions_policy_denies_what_the_site_does_not_use(client):
    header = client.get(reverse("storefront:catalog"))["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in header


def test_admin_pages_have_the_policy_too(client):
    response = client.get(reverse("admin:login"))
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\bhx-on", re.I), "hx-on handler"),
    (re.compile(r"<style", re.I), "inline <style>"),
    (re.compile(r"\sstyle\s*=", re.I), "inline style attribute"),
]


@pytest.mark.parametrize(
    "template",
    sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        # Emails are read in mail clients, not under the site's policy.
        if "emails" not in path.parts
    ),
)
def test_templates_have_nothing_inline(template):
    text = (TEMPLATES / template).read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template}: {found}"


def test_https_redirect_spares_the_health_checks(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # on with an https SITE_URL
    assert client.get(reverse("storefront:catalog")).status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/livez").status_code == 200
