"""Request and response shapes of the API. Money is integer paise, except in the
two payment endpoints whose rupee strings ("999.00") are a kept contract."""

import datetime
from typing import Annotated

from ninja import Field, Schema

# A database id: anything larger would overflow the column.
ID_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]


class CategoryOut(Schema):
    slug: str
    name: str
    description: str


class PackageOut(Schema):
    id: int
    tier: str
    language: str
    language_name: str
    price_paise: int
    priest_count: int
    materials_included: bool
    description: str


class PujaSummaryOut(Schema):
    slug: str
    title: str
    summary: str
    kind: str
    category: str
    from_price_paise: int
    languages: list[str]


class PujaOut(Schema):
    slug: str
    title: str
    summary: str
    description: str
    kind: str
    category: str
    duration_minutes: int
    included: list[str]
    packages: list[PackageOut]


class PujaPageOut(Schema):
    count: int
    page: int
    num_pages: int
    results: list[PujaSummaryOut]
    notes: list[str] = Field(
        description="Filters that were ignored and why, as on the catalog page."
    )


class SlotOut(Schema):
    slot_id: int
    label: str
    start_time: str
    capacity: int
    remaining: int
    available: bool = Field(description="Enough priests are free for this package.")


class SlotAvailabilityOut(Schema):
    package_id: int
    date: datetime.date
    slots: list[SlotOut]


class SankalpIn(Schema):
    names: str = Field(description="Who the puja is for, separated by commas.")
    gotra: str = ""
    nakshatra: str = ""
    occasion: str = ""
    notes: str = Field("", description="Notes for the pandit.")


class SankalpOut(Schema):
    names: str
    gotra: str
    nakshatra: str
    occasion: str
    notes: str


class CartLineOut(Schema):
    id: int
    package_id: int
    puja: str
    puja_slug: str
    kind: str = Field(description="home, temple or online.")
    tier: str
    language: str
    date: datetime.date
    slot_id: int
    slot: str
    price_paise: int
    priest_count: int
    sankalp: SankalpOut | None = Field(
        description="Required before paying: PUT /api/cart/items/{id}/sankalp/."
    )


class PromoOut(Schema):
    code: str
    error: str | None = Field(description="Why the code does not apply now, if so.")


class CartOut(Schema):
    cart_id: int | None = Field(
        description="Send it to POST /api/payments/process-cart/; null: no cart yet."
    )
    status: str
    items: list[CartLineOut]
    promo: PromoOut | None
    subtotal_paise: int
    discount_paise: int
    total_paise: int
    needs_address: bool = Field(
        description="A puja at home: process-cart needs an address."
    )
    needs_phone: bool = Field(
        description="An online puja: process-cart needs contact_phone for the video link."
    )


class CartItemIn(Schema):
    package_id: Id
    date: datetime.date
    slot_id: Id


class CartItemChangeIn(Schema):
    date: datetime.date
    slot_id: Id


class PromoIn(Schema):
    code: str


class AddressIn(Schema):
    full_name: str
    phone: str = Field(description="Indian mobile number, e.g. 98765 43210.")
    line1: str
    line2: str = ""
    landmark: str = ""
    city: str
    state: str = Field(description="Two-letter state or union territory code.")
    pincode: str
    is_default: bool = False


class AddressOut(Schema):
    id: int
    full_name: str
    phone: str
    line1: str
    line2: str
    landmark: str
    city: str
    state: str
    state_name: str
    pincode: str
    is_default: bool


class BookingItemOut(Schema):
    puja: str
    package: str
    language: str
    date: datetime.date
    slot: str
    price_paise: int
    priest_count: int


class RefundOut(Schema):
    state: str
    amount_paise: int
    created_at: datetime.datetime


class BookingOut(Schema):
    book_id: str
    status: str
    payment_id: str
    first_date: datetime.date
    subtotal_paise: int
    discount_paise: int
    total_paise: int
    promo_code: str
    created_at: datetime.datetime
    items: list[BookingItemOut]


class BookingDetailOut(BookingOut):
    address: list[str]
    priest: str | None = Field(description="The lead pandit, once assigned.")
    priests: list[str] = Field(
        description="Every pandit on the booking, lead first (packages needing "
        "several priests)."
    )
    refunds: list[RefundOut]


class TokenIn(Schema):
    email: str
    password: str
    name: str = Field("", description="What the token is for, e.g. 'My phone'.")


class TokenOut(Schema):
    token: str = Field(description="Shown once: store it. Send as Bearer token.")
    prefix: str
    name: str
    expires_at: datetime.datetime


class OkOut(Schema):
    success: bool = True
