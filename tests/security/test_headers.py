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


def test_the_policy_built_once_is_django_csps_and_follows_the_settings(
    client, settings
):
    from csp.utils import build_policy

    first = client.get(reverse("storefront:catalog"))
    assert first["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in first
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"img-src": ["'self'"]}
    }
    changed = client.get(reverse("storefront:catalog"))
    assert changed["Content-Security-Policy"] == "default-src 'none'"
    report_only = changed["Content-Security-Policy-Report-Only"]
    assert report_only == build_policy(report_only=True)
    assert "img-src 'self'" in report_only


def test_a_response_that_uses_a_nonce_gets_it_in_its_policy(rf, settings):
    from csp.constants import NONCE
    from django.http import HttpResponse

    from security.middleware import CSPMiddleware

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    middleware = CSPMiddleware(view)
    request = rf.get("/")
    middleware.process_request(request)
    response = middleware.process_response(request, view(request))
    nonce = re.search(r"nonce='([^']+)'", response.content.decode())[1]
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    plain = rf.get("/")
    middleware.process_request(plain)
    response = middleware.process_response(plain, HttpResponse("plain"))
    assert "nonce" not in response["Content-Security-Policy"]
    with pytest.raises(Exception, match="after the CSP header"):
        str(plain.csp_nonce)


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
