"""Addresses and bookings through the API: the address page's rules, owner-only."""

from checkout.models import Booking
from storefront.models import Address
from tests import factories
from tests.api.conftest import ApiClient, assert_error
from tests.fixtures import Shop

ADDRESS = {
    "full_name": "Asha Sharma",
    "phone": "98765 43210",
    "line1": "Flat 12, Shanti Apartments",
    "line2": "Indiranagar",
    "landmark": "",
    "city": "Bengaluru",
    "state": "KA",
    "pincode": "560038",
}


def test_address_create_list_update_default_delete(api, customer):
    first = api.post("/api/addresses/", ADDRESS)
    assert first.status_code == 201
    first = first.json()
    assert first["phone"] == "+919876543210"  # normalised by the page's form
    assert first["is_default"] is True and first["state_name"] == "Karnataka"
    second = api.post(
        "/api/addresses/", {**ADDRESS, "city": "Mysuru", "pincode": "570001"}
    ).json()
    assert second["is_default"] is False
    assert [a["id"] for a in api.get("/api/addresses/").json()] == [
        first["id"],
        second["id"],
    ]
    assert api.get(f"/api/addresses/{second['id']}/").json() == second

    response = api.post(f"/api/addresses/{second['id']}/default/")
    assert response.json()["is_default"] is True
    assert Address.objects.get(pk=first["id"]).is_default is False

    response = api.put(
        f"/api/addresses/{first['id']}/", {**ADDRESS, "line2": "Koramangala"}
    )
    assert response.status_code == 200
    assert Address.objects.get(pk=first["id"]).line2 == "Koramangala"

    assert api.delete(f"/api/addresses/{second['id']}/").json() == {"success": True}
    # The default went away: the other one takes over.
    assert Address.objects.get(user=customer).is_default is True


def test_address_validation_errors_name_the_fields(api, customer):
    error = assert_error(
        api.post("/api/addresses/", {**ADDRESS, "pincode": "012345"}),
        400,
        "invalid_pincode",
    )
    assert list(error["fields"]) == ["pincode"]
    error = assert_error(
        api.post("/api/addresses/", {**ADDRESS, "phone": "12", "state": "ZZ"}),
        400,
        "invalid_request",
    )
    assert set(error["fields"]) == {"phone", "state"}
    assert_error(api.post("/api/addresses/", {"city": "Pune"}), 400, "invalid_request")
    assert Address.objects.count() == 0


def test_another_customers_address_is_404(api, customer):
    theirs = factories.make_address(user=factories.make_user())
    for response in [
        api.get(f"/api/addresses/{theirs.pk}/"),
        api.put(f"/api/addresses/{theirs.pk}/", ADDRESS),
        api.delete(f"/api/addresses/{theirs.pk}/"),
        api.post(f"/api/addresses/{theirs.pk}/default/"),
    ]:
        assert_error(response, 404, "address_not_found")
    theirs.refresh_from_db()
    assert theirs.city == "Bengaluru"
    assert api.get("/api/addresses/").json() == []


def test_my_bookings_and_detail_owner_only(phonepe, client, db):
    shop = Shop()
    booking = shop.paid_booking(phonepe)
    payment = booking.payment
    from api.tokens import issue_token

    mine = ApiClient(client, issue_token(user=payment.user).raw)
    listing = mine.get("/api/bookings/").json()
    assert [b["book_id"] for b in listing] == [booking.book_id]
    assert listing[0]["total_paise"] == 210000
    assert listing[0]["payment_id"] == payment.merchant_order_id
    assert listing[0]["items"][0]["date"] == shop.date.isoformat()

    detail = mine.get(f"/api/bookings/{booking.book_id}/").json()
    assert detail["status"] == Booking.Status.CONFIRMED
    assert detail["address"][0] == "Asha Sharma"
    assert detail["refunds"] == [] and detail["priest"] is None

    intruder = ApiClient(client, issue_token(user=factories.make_user()).raw)
    assert intruder.get("/api/bookings/").json() == []
    assert_error(intruder.get(f"/api/bookings/{booking.book_id}/"), 404, "not_found")
    assert_error(mine.get("/api/bookings/NOPE/"), 404, "not_found")
    assert_error(mine.get("/api/bookings/" + "X" * 40 + "/"), 400, "invalid_book_id")
