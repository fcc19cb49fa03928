"""Policy pages: shipped by a migration, edited by staff in the admin, linked everywhere."""

import importlib

import pytest
from django.urls import reverse
from django.utils.html import escape

from storefront.models import Page
from storefront.templatetags.shop import page_body
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy_pages():
    factories.make_policy_pages()


SLUGS = ["about", "terms", "privacy", "cancellation-refund"]


@pytest.mark.parametrize("slug", SLUGS)
def test_each_policy_page_ships_with_text(client, slug):
    response = client.get(reverse("storefront:page", args=[slug]))

    assert response.status_code == 200
    page = Page.objects.get(slug=slug)
    assert len(page.body) > 500
    assert response.context["page"] == page
    assert f"{escape(page.title)}</h1>" in response.text


def test_refund_policy_states_the_bands_and_the_refund_time(client):
    html = client.get(reverse("storefront:page", args=["cancellation-refund"])).text

    assert "48 hours or more before the puja: full refund" in html
    assert "50% refund" in html
    assert "5 to 7 working days" in html


def test_about_page_shows_contact_address_and_gstin_from_settings(client, settings):
    html = client.get(reverse("storefront:page", args=["about"])).text

    assert 'href="tel:+918012345678"' in html
    assert 'href="https://wa.me/918012345678"' in html
    assert "namaste@okpuja.example" in html
    assert "29ABCDE1234F1Z5" in html
    assert "12 Temple Street, Jayanagar, Bengaluru 560011, Karnataka" in html


def test_unknown_page_is_404(client):
    assert client.get("/pages/shipping/").status_code == 404


def test_footer_links_every_policy_page(client):
    html = client.get(reverse("storefront:catalog")).text

    for slug in SLUGS:
        assert f'href="/pages/{slug}/"' in html
    assert "GSTIN 29ABCDE1234F1Z5" in html


def test_checkout_links_terms_and_refund_policy_next_to_pay(client):
    user = factories.make_user()
    package = factories.make_package()
    factories.make_cart(
        user=user, items=[(package, factories.booking_date(), factories.make_slot())]
    )
    factories.make_address(user=user)
    client.force_login(user)

    html = client.get("/checkout/").text

    pay = html.index('data-testid="pay-button"')
    note = html.index("pay-policy-note")
    assert 0 < note - pay < 1500
    assert 'href="/pages/cancellation-refund/"' in html[note:]


def test_staff_edit_changes_the_page_at_once(admin_client, client):
    page = Page.objects.get(slug="terms")
    url = reverse("admin:storefront_page_change", args=[page.pk])
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url,
        {
            # English and Hindi side by side (storefront/translation.py)
            "title_en": "Terms of use",
            "body_en": "## Fees\nNo hidden fees.\n\n- One\n- Two",
            "title_hi": "उपयोग की शर्तें",
            "body_hi": "## शुल्क\nकोई छिपा शुल्क नहीं।",
        },
    )

    assert response.status_code == 302
    html = client.get(reverse("storefront:page", args=["terms"])).text
    assert "Terms of use" in html
    assert '<h2 class="h5 mt-4">Fees</h2>' in html
    assert "<p>No hidden fees.</p>" in html
    assert '<ul class="page-list"><li>One</li><li>Two</li></ul>' in html
    hindi = client.get(
        reverse("storefront:page", args=["terms"]), HTTP_ACCEPT_LANGUAGE="hi"
    ).text
    assert "उपयोग की शर्तें" in hindi and "कोई छिपा शुल्क नहीं।" in hindi
    page.refresh_from_db()
    assert page.slug == "terms"  # the address cannot be changed in the admin


def test_page_body_escapes_markup():
    html = page_body("<script>alert(1)</script>\n\n- <b>x</b>\n\n## <i>h</i>")

    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html


# In Hindi --------------------------------------------------------------------------

HINDI_TITLES = {
    "about": "हमारे बारे में और संपर्क",
    "terms": "सेवा की शर्तें",
    "privacy": "निजता नीति",
    "cancellation-refund": "रद्द करने और रिफ़ंड की नीति",
}


def devanagari_share(text):
    letters = [c for c in text if c.isalpha()]
    return sum("\u0900" <= c <= "\u097f" for c in letters) / len(letters)


@pytest.mark.parametrize("slug", SLUGS)
def test_each_policy_page_ships_in_hindi(client, settings, slug):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    response = client.get(reverse("storefront:page", args=[slug]))

    page = Page.objects.get(slug=slug)
    assert page.title_hi == HINDI_TITLES[slug]
    assert len(page.body_hi) > 400
    # Hindi prose: brand and payment names (OkPuja, PhonePe, UPI) aside.
    assert devanagari_share(page.body_hi) > 0.9
    assert f"{HINDI_TITLES[slug]}</h1>" in response.text
    assert escape(page.body_en.split("\n")[0]) not in response.text


def test_policy_in_both_languages_states_the_settings(settings):
    """The shipped policy text says what self-service cancel and reschedule do."""
    page = Page.objects.get(slug="cancellation-refund")
    english = page.body_en
    hindi = page.body_hi
    bands = settings.CANCEL_REFUND_BANDS
    assert bands == [(48, 100), (24, 50)]  # 0004's English text is written for these
    assert "48 hours or more before the puja: full refund" in english
    assert "Between 24 and 48 hours before the puja: 50% refund" in english
    assert "Less than 24 hours before the puja: no refund" in english
    assert f"up to {settings.RESCHEDULE_MIN_HOURS} hours before the puja" in english
    assert "- पूजा से 48 घंटे या उससे भी पहले: पूरा रिफ़ंड।" in hindi
    assert "- पूजा से 24 से 48 घंटे पहले के बीच: 50% रिफ़ंड।" in hindi
    assert "- पूजा से 24 घंटे से कम पहले: कोई रिफ़ंड नहीं" in hindi
    assert f"पूजा से {settings.RESCHEDULE_MIN_HOURS} घंटे पहले तक" in hindi


def test_hindi_policy_follows_other_settings_and_keeps_staff_text(settings):
    from django.apps import apps

    hindi = importlib.import_module("storefront.migrations.0007_policy_pages_hindi")
    settings.CANCEL_REFUND_BANDS = [(72, 100), (12, 25), (0, 10)]
    settings.RESCHEDULE_MIN_HOURS = 36
    Page.objects.filter(slug="cancellation-refund").update(body_hi="")
    Page.objects.filter(slug="terms").update(body_hi="स्टाफ़ का लिखा पाठ")
    hindi.fill_hindi(apps)

    policy = Page.objects.get(slug="cancellation-refund").body_hi
    assert (
        "- पूजा से 72 घंटे या उससे भी पहले: पूरा रिफ़ंड।\n"
        "- पूजा से 12 से 72 घंटे पहले के बीच: 25% रिफ़ंड।\n"
        "- पूजा से 12 घंटे से कम पहले: 10% रिफ़ंड।\n\n"
    ) in policy
    assert "कोई रिफ़ंड नहीं" not in policy.split("## समय बदलना")[0]
    assert "पूजा से 36 घंटे पहले तक" in policy
    assert Page.objects.get(slug="terms").body_hi == "स्टाफ़ का लिखा पाठ"
