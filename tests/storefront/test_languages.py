"""English and Hindi: which language a page is in, the switcher, the customer's profile."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from storefront import formats
from storefront.india import format_rupees
from storefront.models import Service, User
from tests import factories

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture
def puja():
    category = factories.make_category(name="Ganesh Puja", slug="ganesh")
    category.name_hi = "गणेश पूजा"
    category.save()
    service = factories.make_service(category=category, title="Ganesh Puja")
    service.title_hi = "गणेश पूजा"
    service.summary_hi = "नई शुरुआत के लिए श्री गणेश की पूजा।"
    service.save()
    factories.make_package(service=service)
    return service


def test_first_visit_follows_accept_language(client, puja):
    page = client.get(
        reverse("storefront:catalog"), HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9"
    )
    html = page.content.decode()
    assert '<html lang="hi-IN">' in html
    assert "गणेश पूजा" in html
    assert page["Content-Language"] == "hi"

    english = client.get(reverse("storefront:catalog"), HTTP_ACCEPT_LANGUAGE="en-GB")
    assert '<html lang="en-IN">' in english.content.decode()
    assert "गणेश पूजा" not in english.content.decode()


def test_the_cookie_beats_accept_language(client, puja):
    client.cookies[COOKIE] = "hi"
    page = client.get(puja.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "गणेश पूजा" in page.content.decode()


def test_switcher_is_in_header_and_footer_and_posts_without_script(client, puja):
    html = client.get(reverse("storefront:catalog")).content.decode()
    action = f'action="{reverse("storefront:set-language")}"'
    assert html.count(action) == 2
    assert html.count('name="language" value="hi" lang="hi"') == 2
    assert 'value="en" lang="en" aria-current="true"' in html


def test_switching_sets_the_cookie_and_returns_to_the_page(client, puja):
    response = client.post(
        reverse("storefront:set-language"),
        {"language": "hi", "next": puja.get_absolute_url()},
    )
    assert response.status_code == 302
    assert response["Location"] == puja.get_absolute_url()
    assert response.cookies[COOKIE].value == "hi"
    assert "गणेश पूजा" in client.get(puja.get_absolute_url()).content.decode()


def test_switching_keeps_the_choice_on_the_customers_profile(client):
    user = factories.make_user()
    client.force_login(user)
    client.post(reverse("storefront:set-language"), {"language": "hi", "next": "/"})
    user.refresh_from_db()
    assert user.language == "hi"


@pytest.mark.parametrize("language", ["fr", "", "hi'><script>"])
def test_switching_to_an_unknown_language_is_refused(client, language):
    response = client.post(reverse("storefront:set-language"), {"language": language})
    assert response.status_code == 400
    assert COOKIE not in response.cookies


def test_switching_is_post_only(client):
    assert client.get(reverse("storefront:set-language")).status_code == 405


def test_login_brings_back_the_saved_language(client):
    user = factories.make_user(email="asha@example.in", language="hi")
    response = client.post(
        reverse("storefront:login"),
        {"username": "asha@example.in", "password": "pw-for-tests-123"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "hi"
    user.refresh_from_db()
    assert user.language == "hi"


def test_login_saves_the_language_in_use_when_none_was_saved(client):
    user = factories.make_user(email="ravi@example.in")
    assert user.language == ""
    client.post(
        reverse("storefront:login"),
        {"username": "ravi@example.in", "password": "pw-for-tests-123"},
        HTTP_ACCEPT_LANGUAGE="hi",
    )
    user.refresh_from_db()
    assert user.language == "hi"


def test_the_admin_stays_in_english(client):
    staff = factories.make_user(is_staff=True, is_superuser=True, language="hi")
    client.force_login(staff)
    client.cookies[COOKIE] = "hi"
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="hi")
    assert page.status_code == 200
    assert '<html lang="en"' in page.content.decode()
    assert page["Content-Language"] == "en"


def test_catalog_content_falls_back_to_english_without_hindi(puja):
    other = factories.make_service(title="Rudrabhishek")
    with translation.override("hi"):
        assert Service.objects.get(pk=puja.pk).title == "गणेश पूजा"
        assert Service.objects.get(pk=other.pk).title == "Rudrabhishek"
    with translation.override("en"):
        assert Service.objects.get(pk=puja.pk).title == "Ganesh Puja"


def test_demo_data_ships_hindi(db):
    from django.core.management import call_command

    call_command("load_demo_data", verbosity=0)
    with translation.override("hi"):
        titles = set(Service.objects.values_list("title_hi", flat=True))
        assert {"गणेश पूजा", "सत्यनारायण कथा", "गृह प्रवेश पूजा"} <= titles
        assert Service.objects.filter(title_hi="").count() == 0
        assert Service.objects.filter(included_hi="").count() == 0
        ganesh = Service.objects.get(slug="ganesh-puja")
        assert ganesh.included_items[0] == "संकल्प और गणेश स्थापना"


def test_demo_data_ships_the_policy_pages_in_hindi(db):
    from django.core.management import call_command

    from storefront.models import Page

    Page.objects.all().delete()
    call_command("load_demo_data", verbosity=0)
    assert Page.objects.count() == 4
    assert not Page.objects.filter(title_hi="").exists()
    assert not Page.objects.filter(body_hi="").exists()
    # Staff text in Hindi is left alone on the next load.
    Page.objects.filter(slug="terms").update(body_hi="बदला हुआ पाठ")
    call_command("load_demo_data", verbosity=0)
    assert Page.objects.get(slug="terms").body_hi == "बदला हुआ पाठ"


def test_dates_times_and_money_read_naturally_in_hindi():
    day = datetime.date(2026, 12, 8)
    with translation.override("hi"):
        assert formats.day(day) == "मंगल, 8 दिसंबर 2026"
        assert formats.long_day(day) == "मंगलवार, 8 दिसंबर 2026"
        assert formats.day(datetime.date(2026, 12, 10)) == "गुरु, 10 दिसंबर 2026"
        assert formats.clock(datetime.time(6, 0)) == "सुबह 6:00"
        assert formats.clock(datetime.time(12, 30)) == "दोपहर 12:30"
        assert formats.clock(datetime.time(16, 0)) == "शाम 4:00"
        assert formats.clock(datetime.time(20, 15)) == "रात 8:15"
        assert formats.clock(datetime.time(0, 5)) == "रात 12:05"
        assert formats.duration(90) == "1 घंटा 30 मिनट"
        assert formats.duration(120) == "2 घंटे"
        assert format_rupees(12500000) == "₹1,25,000.00"
    with translation.override("en"):
        assert formats.day(day) == "Tue, 8 Dec 2026"
        assert formats.clock(datetime.time(16, 0)) == "4:00 PM"
        assert formats.duration(45) == "45 min"
        assert format_rupees(12500000) == "₹1,25,000.00"


def test_times_are_shown_in_ist():
    moment = datetime.datetime(2026, 12, 8, 10, 30, tzinfo=datetime.UTC)  # 16:00 IST
    with translation.override("hi"):
        assert formats.when(moment) == "8 दिसंबर 2026, शाम 4:00"
    with translation.override("en"):
        assert formats.when(moment) == "8 Dec 2026, 4:00 PM"


def test_the_language_field_accepts_only_the_shops_languages():
    field = User._meta.get_field("language")
    assert [code for code, _name in field.choices] == ["en", "hi"]


@pytest.mark.parametrize("language", ["en", "hi"])
@pytest.mark.parametrize("query", ["ganesh", "गणेश", "Ganesh puja", "गणेश पूजा"])
def test_devanagari_and_latin_find_the_same_pujas(client, puja, language, query):
    other = factories.make_service(title="Rudrabhishek")
    other.title_hi = "रुद्राभिषेक"
    other.save()
    factories.make_package(service=other)
    client.cookies[COOKIE] = language
    html = client.get(reverse("storefront:catalog"), {"q": query}).content.decode()
    assert f'href="{puja.get_absolute_url()}"' in html
    assert f'href="{other.get_absolute_url()}"' not in html
