"""The service page's booking form: tier and language apart, quick days, the bar."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse

from storefront.models import CartItem, Package
from tests import factories

IST = zoneinfo.ZoneInfo("Asia/Kolkata")
TODAY = datetime.date(2026, 12, 1)
pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=IST), tick=False)


@pytest.fixture
def service():
    service = factories.make_service(title="Ganesh Puja")
    for tier, language, price in [
        (Package.Tier.BASIC, "hi", 140100),
        (Package.Tier.BASIC, "ta", 150100),
        (Package.Tier.PREMIUM, "hi", 510000),
    ]:
        factories.make_package(
            service=service, tier=tier, language=language, price_paise=price
        )
    return service


@pytest.fixture
def slot():
    return factories.make_slot(start=datetime.time(8, 0), capacity=3)


def post(client, service, slot, **data):
    fields = {"service": service.slug, "date": "2026-12-05", "slot": slot.pk}
    fields.update(data)
    return client.post(reverse("storefront:cart-add"), fields, **HTMX)


def test_tier_and_language_are_separate_choices_and_the_table_has_no_radios(
    client, service
):
    html = client.get(service.get_absolute_url()).text

    assert len(re.findall(r'name="tier"', html)) == 2  # Basic, Premium
    # Hindi, Tamil (the header and footer language switchers are forms of their own)
    switcher = html.count('class="language-option"')
    assert len(re.findall(r'name="language"', html)) - switcher == 2
    assert 'name="package"' not in html
    table = html[html.index("packages-table") : html.index("</table>")]
    assert "<input" not in table
    assert "₹1,401–₹1,501" in table and "Hindi, Tamil" in table
    # The cheapest package is chosen and its price is in the booking bar.
    bar = html[html.index('data-testid="book-bar"') :]
    assert "Basic · Hindi" in bar and "₹1,401" in bar


def test_next_seven_days_are_one_tap_each(client, service, slot):
    html = client.get(service.get_absolute_url()).text

    days = re.findall(r'name="date" value="(\d{4}-\d{2}-\d{2})"', html)
    assert days == [f"2026-12-{d:02d}" for d in range(2, 9)]
    assert "Tomorrow" in html
    assert 'type="date" id="booking-date"' in html  # later dates


def test_choices_survive_a_page_load_without_javascript(client, service, slot):
    html = client.get(
        service.get_absolute_url(),
        {"tier": "basic", "language": "ta", "date": "2026-12-04"},
    ).text

    assert 'id="tier-basic" value="basic" checked' in html
    assert 'id="language-ta" value="ta" checked' in html
    assert 'id="day-2026-12-04" name="date" value="2026-12-04"' in html
    assert "Basic · Tamil" in html and "₹1,501" in html
    assert "3 priests free" in html


def test_add_by_tier_and_language_turns_the_button_into_go_to_cart(
    client, service, slot
):
    response = post(client, service, slot, tier="basic", language="ta")

    item = CartItem.objects.get()
    assert (item.package.tier, item.package.language) == ("basic", "ta")
    assert "cartChanged" in response["HX-Trigger"]
    assert re.search(
        r'<a class="[^"]*" id="add-button" href="/cart/">Go to cart', response.text
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"language": "hi"}, "Please choose a package."),
        ({"tier": "basic"}, "Please choose a language."),
        ({"tier": "premium", "language": "ta"}, "not offered in Tamil"),
        ({"tier": "gold", "language": "hi"}, "choose one of the packages"),
        ({"tier": "basic", "language": "xx"}, "choose one of the languages"),
    ],
)
def test_bad_tier_or_language_says_so_in_the_bar(client, service, slot, data, message):
    response = post(client, service, slot, **data)

    assert response.status_code == 200
    bar = response.text[response.text.index('data-testid="book-bar"') :]
    assert message in bar
    assert CartItem.objects.count() == 0


def test_unknown_service_is_404(client, slot):
    response = client.post(
        reverse("storefront:cart-add"),
        {"service": "no-such-puja", "tier": "basic", "language": "hi"},
    )
    assert response.status_code == 404


def test_cart_link_name_includes_the_count_and_phone_menu_needs_no_javascript(
    client, service, slot
):
    post(client, service, slot, tier="basic", language="hi")
    user = factories.make_user()
    html = client.get(service.get_absolute_url()).text

    link = html[
        html.index('class="btn btn-cart') : html.index("</a>", html.index("btn-cart"))
    ]
    assert "aria-label" not in link
    assert re.search(
        r'Cart</span>.*>1<span class="visually-hidden"> item</span>', link, re.S
    )
    assert 'data-bs-toggle="collapse"' not in html

    client.force_login(user)
    html = client.get(service.get_absolute_url()).text
    menu = html[html.index('<details class="phone-menu') : html.index("</details>")]
    assert "My bookings" in menu and "Log out" in menu


def test_tier_price_reads_naturally_in_both_languages(client, service, settings):
    html = client.get(service.get_absolute_url()).text
    assert "from ₹1,401" in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    html = client.get(service.get_absolute_url()).text
    # "से शुरू" stays together when the narrow price button wraps.
    assert "₹1,401 से\u00a0शुरू" in html
    assert "शुरू ₹" not in html
