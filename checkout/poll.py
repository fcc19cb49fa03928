"""The confirm page's read: the visitor's session, the payment, its booking and
its owner (and, for the whole page, the header's cart count) in one round trip.

The confirm page polls every two seconds while a payment settles, and a
customer may leave it open long after, so this read is the page's cost. The
statement is built once per process and prepared once per connection
(``storefront.prepared``). The session row is read in the same statement when
the session engine keeps sessions in the database (``db`` or ``cached_db``,
whose database row is always as new as its cached copy), so a poll is one
round trip.

Only the columns a poll needs are read (``PAYMENT_FIELDS`` and the others);
the rest of each row is deferred, so a page rendered afresh reads the payment
whole.
"""

import dataclasses

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

from checkout.models import Booking, Payment
from storefront import prepared, visitor
from storefront.models import User

PAYMENT_FIELDS = (
    "id",
    "merchant_order_id",
    "user",
    "amount_paise",
    "status",
    "resolution",
    "gateway_order_id",
    "gateway_state",
    "page_url",
    "expires_at",
    "last_checked_at",
    "created_at",
    "updated_at",
)
BOOKING_FIELDS = ("id", "payment", "updated_at")
# What django.contrib.auth checks of a session's user, and what the header shows.
USER_FIELDS = ("id", "password", "is_active", "first_name", "email")

SESSION_ENGINES_IN_DATABASE = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)


@dataclasses.dataclass
class PollRead:
    payment: Payment | None
    # The session's data when it was read with the payment (else None: the
    # caller reads request.session as usual).
    session_data: str | None
    cart_count: int | None


_statements: dict = {}


def long_pending(payment, now) -> bool:
    """Pending long enough that the page offers a way out."""
    return (
        now - payment.created_at
    ).total_seconds() >= settings.CHECKOUT_PENDING_HELP_SECONDS


def can_return(payment, now) -> bool:
    """PhonePe's page for this payment still takes the customer back."""
    return (
        bool(payment.page_url)
        and payment.expires_at is not None
        and payment.expires_at > now
    )


def response_key(payment, now) -> str | None:
    """What a status poll of this payment (as read at ``now``) answers, named
    by everything it depends on but the language; None when the poll must do
    more than answer (ask PhonePe) or shows something else (a refund, a
    failure). A change to the payment or its booking is a new key."""
    booking = getattr(payment, "booking", None)
    prefix = f"{payment.merchant_order_id}:{payment.user_id}:{payment.updated_at.timestamp()}"
    if booking is not None:
        return f"booked:{prefix}:{booking.updated_at.timestamp()}"
    if (
        payment.status != Payment.Status.PENDING
        or payment.resolution != Payment.Resolution.NONE
    ):
        return None
    from checkout import reconcile

    if reconcile.gateway_check_due(payment, now):
        return None
    return (
        f"pending:{prefix}:{long_pending(payment, now):d}:{can_return(payment, now):d}"
    )


def sessions_in_database() -> bool:
    return settings.SESSION_ENGINE in SESSION_ENGINES_IN_DATABASE


def _statement(connection, *, with_session, with_count) -> prepared.Statement:
    key = (connection.alias, connection.vendor, with_session, with_count)
    statement = _statements.get(key)
    if statement is not None:
        return statement
    qn = connection.ops.quote_name
    parts = (
        prepared.columns(Payment, "p", PAYMENT_FIELDS, connection),
        prepared.columns(Booking, "b", BOOKING_FIELDS, connection),
        prepared.columns(User, "u", USER_FIELDS, connection),
    )
    select = [column for part in parts for column in part.sql]
    payment_user = f"p.{qn(Payment._meta.get_field('user').column)}"
    if with_session:
        select.append(
            f"(SELECT s.{qn('session_data')} FROM {qn(Session._meta.db_table)} s "
            f"WHERE s.{qn('session_key')} = %s AND s.{qn('expire_date')} > %s)"
        )
    if with_count:
        select.append(visitor.cart_count_sql(connection, payment_user))
    booking_payment = Booking._meta.get_field("payment").column
    sql = (
        f"SELECT {', '.join(select)} "
        f"FROM {qn(Payment._meta.db_table)} p "
        f"INNER JOIN {qn(User._meta.db_table)} u "
        f"ON u.{qn(User._meta.pk.column)} = {payment_user} "
        f"LEFT OUTER JOIN {qn(Booking._meta.db_table)} b "
        f"ON b.{qn(booking_payment)} = p.{qn(Payment._meta.pk.column)} "
        f"WHERE p.{qn(Payment._meta.get_field('merchant_order_id').column)} = %s"
    )
    statement = prepared.Statement(
        name=f"okpuja_poll_{int(with_session)}{int(with_count)}",
        sql=sql,
        parts=parts,
    )
    _statements[key] = statement
    return statement


def read(merchant_order_id: str, *, session_key: str | None, with_count=False):
    """Return a ``PollRead`` for the order (``payment`` None when there is none).

    ``session_key``: the visitor's session, read in the same statement when
    sessions live in the database (and a key is given).
    """
    db = router.db_for_read(Payment)
    connection = connections[db]
    with_session = bool(session_key) and sessions_in_database()
    statement = _statement(connection, with_session=with_session, with_count=with_count)
    params = []
    if with_session:
        params += [
            session_key,
            connection.ops.adapt_datetimefield_value(timezone.now()),
        ]
    if with_count:
        params += visitor.cart_count_params()
    params.append(merchant_order_id)
    row = prepared.fetchone(connection, statement, params)
    if row is None:
        return PollRead(payment=None, session_data=None, cart_count=None)
    (payment_values, booking_values, user_values), extra = prepared.split(
        statement, row
    )
    payment_part, booking_part, user_part = statement.parts
    payment = payment_part.instance(db, payment_values, connection)
    user = user_part.instance(db, user_values, connection)
    Payment._meta.get_field("user").set_cached_value(payment, user)
    booking_link = Booking._meta.get_field("payment")
    if booking_values[0] is None:
        booking_link.remote_field.set_cached_value(payment, None)
    else:
        booking = booking_part.instance(db, booking_values, connection)
        booking_link.remote_field.set_cached_value(payment, booking)
        booking_link.set_cached_value(booking, payment)
    session_data = extra[0] if with_session else None
    if with_session and session_data is None:
        session_data = ""  # no such session, or it expired
    cart_count = extra[-1] if with_count else None
    return PollRead(payment=payment, session_data=session_data, cart_count=cart_count)
