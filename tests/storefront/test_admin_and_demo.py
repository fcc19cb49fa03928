"""Admin pages load with a fixed number of queries; the demo data loads idempotently."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from storefront.models import (
    Address,
    Cart,
    Category,
    Package,
    PromoCode,
    Service,
    SlotCapacityOverride,
    TimeSlot,
    User,
)
from tests import factories

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Category,
            Service,
            Package,
            TimeSlot,
            PromoCode,
            User,
            Address,
            SlotCapacityOverride,
        )
    }


@pytest.fixture
def demo_data(settings):
    settings.DEBUG = False
    call_command("load_demo_data", stdout=io.StringIO())


def test_demo_data_is_realistic_and_idempotent(demo_data):
    first = counts()
    call_command("load_demo_data", stdout=io.StringIO())
    assert counts() == first
    assert first["Category"] >= 8 and first["Service"] >= 30 and first["TimeSlot"] == 6
    prices = list(Package.objects.values_list("price_paise", flat=True))
    assert min(prices) >= 50100 and max(prices) <= 2100000
    assert set(PromoCode.objects.values_list("code", flat=True)) >= {
        "FIRSTPUJA",
        "FLAT200",
        "DIWALI25",
        "NAVRATRI",
    }
    demo = User.objects.get(email="demo@okpuja.in")
    assert demo.check_password("demo12345") and demo.phone == "+919876543210"
    assert demo.addresses.get().is_default
    # Without DEBUG no superuser is created.
    assert not User.objects.filter(is_superuser=True).exists()
    assert SlotCapacityOverride.objects.filter(slot__isnull=True, capacity=0).exists()


def test_demo_data_prints_logins_only_with_debug(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo_data")
    out = capsys.readouterr().out
    assert "demo@okpuja.in / demo12345" in out
    assert User.objects.get(email="admin@okpuja.in").is_superuser


def test_demo_catalog_renders(client, demo_data):
    response = client.get(reverse("storefront:catalog"))
    count = re.search(r"(\d+) pujas · page 1 of", response.content.decode())
    assert count and int(count.group(1)) >= 30
    assert (
        client.get(
            reverse("storefront:service", args=["griha-pravesh-puja"])
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "model",
    [
        "category",
        "service",
        "package",
        "timeslot",
        "slotcapacityoverride",
        "promocode",
        "cart",
        "address",
        "user",
        "promoredemption",
    ],
)
def test_admin_changelists_and_forms_load(admin_client, demo_data, model):
    cart = factories.make_cart(user=User.objects.get(email="demo@okpuja.in"))
    assert (
        admin_client.get(reverse(f"admin:storefront_{model}_changelist")).status_code
        == 200
    )
    assert admin_client.get(reverse(f"admin:storefront_{model}_add")).status_code == 200
    obj = {"cart": cart, "user": User.objects.first()}.get(model)
    if obj is None and model != "promoredemption":
        obj = {
            "category": Category,
            "service": Service,
            "package": Package,
            "timeslot": TimeSlot,
            "slotcapacityoverride": SlotCapacityOverride,
            "promocode": PromoCode,
            "address": Address,
        }[model].objects.first()
    if obj is not None:
        url = reverse(f"admin:storefront_{model}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("extra", [0, 20])
def test_admin_service_list_query_count_is_fixed(
    admin_client, django_assert_max_num_queries, extra
):
    category = factories.make_category()
    for _n in range(extra + 5):
        factories.make_package(service=factories.make_service(category=category))
    with django_assert_max_num_queries(12):
        assert (
            admin_client.get(reverse("admin:storefront_service_changelist")).status_code
            == 200
        )


def test_admin_cart_list(admin_client):
    factories.make_cart(session_key="x")
    assert (
        admin_client.get(reverse("admin:storefront_cart_changelist")).status_code == 200
    )
    assert Cart.objects.count() == 1
