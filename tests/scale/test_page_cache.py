"""Whole pages shared between visitors who have nothing of their own
(storefront/page_cache.py): each still gets their own CSRF token, and nobody
with a cart, a sign-in or a message waiting ever gets a shared page."""

import datetime
import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from storefront import catalog_cache, page_cache
from storefront import services as storefront_services
from storefront.models import Package, Service
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("storefront:catalog")


@pytest.fixture
def puja():
    category = factories.make_category(name="Ganesh")
    service = factories.make_service(
        category=category, title="Ganesh Puja", kind=Service.Kind.HOME
    )
    package = factories.make_package(service=service, price_paise=110100)
    return service, package


def tokens(response):
    html = response.content.decode()
    found = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    found += re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    return found


def shared_entries():
    """The kept pages for visitors with nothing of their own."""
    local = caches["local"]
    return [
        key
        for key in local._cache
        if key.startswith(":1:page:") and key.endswith(":anonymous")
    ]


def kept_pages():
    """The keys of every kept page (as given to the cache)."""
    return [
        key.removeprefix(":1:")
        for key in caches["local"]._cache
        if key.startswith(":1:page:")
    ]


def test_an_anonymous_page_is_rendered_once_and_served_from_the_cache(
    puja, django_assert_num_queries
):
    first = Client().get(URL)
    assert first.status_code == 200 and "Ganesh Puja" in first.content.decode()
    assert len(shared_entries()) == 1
    with django_assert_num_queries(0):
        second = Client().get(URL)
    assert second.status_code == 200
    assert second.content.decode().replace(tokens(second)[0], "") == (
        first.content.decode().replace(tokens(first)[0], "")
    )
    assert "Cookie" in second["Vary"]


def test_every_visitor_gets_a_token_of_their_own_that_posts(puja):
    _service, package = puja
    slot = factories.make_slot(start=datetime.time(7, 0))
    pages = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(package.service.get_absolute_url())
        html = page.content.decode()
        assert page_cache.CSRF_PLACEHOLDER not in html
        found = tokens(page)
        assert found and len(set(found)) == 1  # one token, in every form and htmx
        pages.append(found[0])
        response = visitor.post(
            reverse("storefront:cart-add"),
            {
                "package": package.pk,
                "date": factories.booking_date(5).isoformat(),
                "slot": slot.pk,
                "csrfmiddlewaretoken": found[0],
            },
        )
        assert response.status_code == 302, response.status_code  # to the cart
    assert pages[0] != pages[1]  # masked afresh for each response
    assert len(shared_entries()) == 1  # both were served the one shared page


def test_a_post_without_the_token_is_still_refused(puja):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(URL)
    response = visitor.post(reverse("storefront:set-language"), {"language": "hi"})
    assert response.status_code == 403


def test_the_language_switcher_of_a_shared_page_works(puja):
    visitor = Client(enforce_csrf_checks=True)
    token = tokens(visitor.get(URL))[0]
    response = visitor.post(
        reverse("storefront:set-language"),
        {"language": "hi", "next": URL, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    hindi = visitor.get(URL).content.decode()
    assert 'lang="hi-IN"' in hindi
    assert 'lang="en-IN"' in Client().get(URL).content.decode()


def badge_count(response):
    return int(re.search(r'id="cart-badge"[^>]*>(\d+)', response.content.decode())[1])


def test_a_visitor_with_a_cart_or_signed_in_never_gets_the_shared_page(puja):
    _service, package = puja
    slot = factories.make_slot(start=datetime.time(7, 0))
    Client().get(URL)  # shared page cached
    shopper = Client()
    shopper.post(
        reverse("storefront:cart-add"),
        {
            "package": package.pk,
            "date": factories.booking_date(5).isoformat(),
            "slot": slot.pk,
        },
    )
    shopper.get(reverse("storefront:cart"))  # the "added" message is read
    assert badge_count(shopper.get(URL)) == 1
    assert badge_count(shopper.get(package.service.get_absolute_url())) == 1
    assert badge_count(Client().get(URL)) == 0
    customer = Client()
    customer.force_login(factories.make_user(first_name="Meera"))
    assert "Namaste, Meera" in customer.get(URL).content.decode()
    assert "Namaste" not in Client().get(URL).content.decode()
    assert len(shared_entries()) == 1


def test_a_message_is_shown_to_its_visitor_only(puja):
    service, _package = puja
    visitor = Client()
    visitor.get(service.get_absolute_url())  # shared page cached
    visitor.post(reverse("storefront:set-city", args=[service.slug]), {"city": ""})
    assert "messages" in visitor.cookies  # no session: the message is in a cookie
    shown = visitor.get(service.get_absolute_url()).content.decode()
    assert 'class="alert alert-danger' in shown
    other = Client().get(service.get_absolute_url()).content.decode()
    assert 'class="alert alert-danger' not in other


def test_a_service_page_with_a_date_is_live(puja, django_assert_max_num_queries):
    service, package = puja
    factories.make_slot(start=datetime.time(7, 0))
    url = service.get_absolute_url()
    date = factories.booking_date(5).isoformat()
    Client().get(url, {"date": date})
    with django_assert_max_num_queries(20) as queries:
        page = Client().get(url, {"date": date})
    assert len(queries) > 0 and "7:00" in page.content.decode()
    assert not shared_entries()


def test_the_quick_days_of_a_shared_service_page_follow_the_day(puja, monkeypatch):
    service, _package = puja
    factories.make_slot(start=datetime.time(7, 0))  # every day has room
    url = service.get_absolute_url()
    today = storefront_services.today_in_india()
    tomorrow = today + datetime.timedelta(days=1)
    assert f'id="day-{tomorrow.isoformat()}"' in Client().get(url).content.decode()
    monkeypatch.setattr(storefront_services, "today_in_india", lambda: tomorrow)
    later = Client().get(url).content.decode()
    assert f'id="day-{tomorrow.isoformat()}"' not in later
    assert f'id="day-{(tomorrow + datetime.timedelta(days=1)).isoformat()}"' in later


def test_catalog_changes_reach_the_shared_page(puja):
    service, package = puja
    assert "₹1,101<" in Client().get(URL).content.decode()
    package.price_paise = 250100
    package.save()
    assert "₹2,501<" in Client().get(URL).content.decode()
    extra = factories.make_package(
        service=service, tier=Package.Tier.PREMIUM, language="ta", price_paise=50100
    )
    assert "Hindi, Tamil" in Client().get(URL).content.decode()
    page = Client().get(service.get_absolute_url()).content.decode()
    assert "₹501" in page
    extra.delete()
    assert "Tamil" not in Client().get(service.get_absolute_url()).content.decode()


def test_another_process_change_shows_within_the_memo_window(puja, monkeypatch):
    """A change made elsewhere (another process) moves the shared version
    only; this process reads it again once its memo is older than a second."""
    first = catalog_cache.catalog_version()
    caches["default"].set(catalog_cache.VERSION_KEY, "moved-elsewhere", timeout=None)
    assert catalog_cache.catalog_version() == first
    now = catalog_cache.time.monotonic()
    monkeypatch.setattr(
        catalog_cache.time,
        "monotonic",
        lambda: now + catalog_cache.VERSION_MEMO_SECONDS + 0.1,
    )
    assert catalog_cache.catalog_version() == "moved-elsewhere"


def test_the_version_moves_again_when_the_change_commits(
    puja, django_capture_on_commit_callbacks
):
    _service, package = puja
    with django_capture_on_commit_callbacks(execute=True):
        package.price_paise = 120100
        package.save()
        inside = catalog_cache.catalog_version()
    assert catalog_cache.catalog_version() != inside


def add_to_cart(visitor, package, slot, days=5):
    return visitor.post(
        reverse("storefront:cart-add"),
        {
            "package": package.pk,
            "date": factories.booking_date(days).isoformat(),
            "slot": slot.pk,
        },
    )


def test_signed_in_pages_are_kept_per_visitor_name_and_cart(puja):
    _service, package = puja
    slot = factories.make_slot(start=datetime.time(7, 0))
    meera, ravi = (
        factories.make_user(first_name="Meera"),
        factories.make_user(first_name="Ravi"),
    )
    first, second = Client(), Client()
    first.force_login(meera)
    second.force_login(ravi)
    for _ in range(2):  # rendered, then kept
        page = first.get(URL).content.decode()
        assert "Namaste, Meera" in page and "Ravi" not in page
        page = second.get(URL).content.decode()
        assert "Namaste, Ravi" in page and "Meera" not in page
    assert len(kept_pages()) == 2
    add_to_cart(first, package, slot)
    first.get(reverse("storefront:cart"))  # the "added" message is read
    assert badge_count(first.get(URL)) == 1
    assert badge_count(second.get(URL)) == 0
    meera.first_name = "Meera Devi"
    meera.save()
    assert "Namaste, Meera Devi" in first.get(URL).content.decode()
    # The token is the visitor's own on a kept page too.
    poster = Client(enforce_csrf_checks=True)
    poster.force_login(ravi)
    poster.get(URL)
    token = tokens(poster.get(URL))[0]
    response = poster.post(reverse("storefront:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "storage", ["fallback.FallbackStorage", "session.SessionStorage"]
)
def test_a_message_is_shown_once_and_not_kept(puja, settings, storage):
    # Messages go in a cookie, or in the session when they do not fit.
    settings.MESSAGE_STORAGE = f"django.contrib.messages.storage.{storage}"
    _service, package = puja
    slot = factories.make_slot(start=datetime.time(7, 0))
    customer = Client()
    customer.force_login(factories.make_user())
    customer.get(URL)
    add_to_cart(customer, package, slot)  # "... was added to your cart." waits
    page = customer.get(URL).content.decode()
    assert "was added to your cart" in page
    assert "was added to your cart" not in customer.get(URL).content.decode()
    kept = [caches["local"].get(key)[0].decode() for key in kept_pages()]
    assert kept and all("was added" not in html for html in kept)


def test_a_kept_service_page_lives_seconds_only(puja):
    """Its quick days skip full days, which bookings change: it is kept for
    SERVICE_PAGE_SECONDS at most, the catalog for longer."""
    import time_machine

    from storefront.views import SERVICE_PAGE_SECONDS

    service, _package = puja
    factories.make_slot(start=datetime.time(7, 0))
    url = service.get_absolute_url()
    with time_machine.travel(0, tick=False) as traveller:
        traveller.move_to(datetime.datetime.now(datetime.UTC))
        Client().get(url)
        Client().get(URL)
        assert len(shared_entries()) == 2
        traveller.shift(SERVICE_PAGE_SECONDS + 1)
        kept = [
            caches["local"].get(key.removeprefix(":1:")) for key in shared_entries()
        ]
        assert sum(entry is not None for entry in kept) == 1  # the catalog's
