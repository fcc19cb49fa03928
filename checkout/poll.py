"""The confirm page's read: the visitor's session, the payment, its booking and
its owner (and, for the whole page, the header's cart count) in one round trip.

The confirm page polls every two seconds while a payment settles, and a
customer may leave it open long after, so this read is the page's cost. The
ORM builds the same SELECT afresh for each request, which costs more than the
database takes to answer it; here the statement is built once per process
(from the models' metadata, so a renamed column follows) and each poll only
executes it. The session row is read in the same statement when the session
engine keeps sessions in the database (``db`` or ``cached_db``, whose database
row is always as new as its cached copy), so a poll is one round trip.

On PostgreSQL the statement is also prepared on the server, once per
connection (planning the joins costs more than running them); set
``DJANGO_DB_PREPARED_STATEMENTS=false`` behind a pooler that hands one
client's statements to different server connections (PgBouncer in
transaction mode). A prepared statement that fails (the pooler, a schema
change) is dropped and the plain statement runs instead.

Only the columns a poll needs are read (``PAYMENT_FIELDS`` and the others); the rest of each row
is deferred, so a page rendered afresh reads the payment whole.
"""

import dataclasses
import logging
import re

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connections, router
from django.utils import timezone

from checkout.models import Booking, Payment
from storefront.models import Cart, CartItem, User

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
# Lines of a live cart, as storefront.selectors.live_cart_line_count counts them.
LIVE_CART_STATUSES = (Cart.Status.OPEN, Cart.Status.FROZEN)


logger = logging.getLogger(__name__)


@dataclasses.dataclass
class PollRead:
    payment: Payment | None
    # The session's data when it was read with the payment (else None: the
    # caller reads request.session as usual).
    session_data: str | None
    cart_count: int | None


@dataclasses.dataclass(frozen=True)
class _Statement:
    name: str
    sql: str
    # (model, attnames, [(converters, expression)...]) per model, in column order.
    models: tuple
    with_session: bool
    with_count: bool


_statements: dict = {}


def sessions_in_database() -> bool:
    return settings.SESSION_ENGINE in SESSION_ENGINES_IN_DATABASE


def _columns(model, alias, names, connection):
    qn = connection.ops.quote_name
    # In the model's own order, as Model.from_db() takes them.
    order = {field.attname: n for n, field in enumerate(model._meta.concrete_fields)}
    fields = sorted(
        (model._meta.get_field(name) for name in names),
        key=lambda field: order[field.attname],
    )
    columns = [f"{alias}.{qn(field.column)}" for field in fields]
    converters = []
    for field in fields:
        expression = field.get_col(alias)
        found = connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection)
        converters.append((found, expression))
    return columns, (model, tuple(field.attname for field in fields), converters)


def _statement(connection, *, with_session, with_count) -> _Statement:
    key = (connection.alias, connection.vendor, with_session, with_count)
    statement = _statements.get(key)
    if statement is not None:
        return statement
    qn = connection.ops.quote_name
    payment_columns, payment_model = _columns(Payment, "p", PAYMENT_FIELDS, connection)
    booking_columns, booking_model = _columns(Booking, "b", BOOKING_FIELDS, connection)
    user_columns, user_model = _columns(User, "u", USER_FIELDS, connection)
    select = [*payment_columns, *booking_columns, *user_columns]
    if with_session:
        select.append(
            f"(SELECT s.{qn('session_data')} FROM {qn(Session._meta.db_table)} s "
            f"WHERE s.{qn('session_key')} = %s AND s.{qn('expire_date')} > %s)"
        )
    if with_count:
        cart = Cart._meta
        item = CartItem._meta
        select.append(
            f"(SELECT COUNT(*) FROM {qn(item.db_table)} i "
            f"INNER JOIN {qn(cart.db_table)} c "
            f"ON i.{qn(item.get_field('cart').column)} = c.{qn(cart.pk.column)} "
            f"WHERE c.{qn(cart.get_field('user').column)} = "
            f"p.{qn(Payment._meta.get_field('user').column)} "
            f"AND c.{qn(cart.get_field('status').column)} IN (%s, %s))"
        )
    booking_payment = Booking._meta.get_field("payment").column
    sql = (
        f"SELECT {', '.join(select)} "
        f"FROM {qn(Payment._meta.db_table)} p "
        f"INNER JOIN {qn(User._meta.db_table)} u "
        f"ON u.{qn(User._meta.pk.column)} = p.{qn(Payment._meta.get_field('user').column)} "
        f"LEFT OUTER JOIN {qn(Booking._meta.db_table)} b "
        f"ON b.{qn(booking_payment)} = p.{qn(Payment._meta.pk.column)} "
        f"WHERE p.{qn(Payment._meta.get_field('merchant_order_id').column)} = %s"
    )
    statement = _Statement(
        name=f"okpuja_poll_{int(with_session)}{int(with_count)}",
        sql=sql,
        models=(payment_model, booking_model, user_model),
        with_session=with_session,
        with_count=with_count,
    )
    _statements[key] = statement
    return statement


def _prepared_names(connection) -> set | None:
    """The statements prepared on this connection's current server session,
    or None where statements are not prepared."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return None
    raw = connection.connection
    known = getattr(connection, "_okpuja_prepared", None)
    if known is None or known[0] is not raw:  # a new server session
        known = (raw, set())
        connection._okpuja_prepared = known
    return known[1]


def _execute(connection, cursor, statement, params):
    names = _prepared_names(connection)
    if names is None:
        cursor.execute(statement.sql, params)
        return cursor.fetchone()
    try:
        if statement.name not in names:
            numbered = iter(range(1, statement.sql.count("%s") + 1))
            sql = re.sub("%s", lambda _match: f"${next(numbered)}", statement.sql)
            cursor.execute(f"PREPARE {statement.name} AS {sql}")
            names.add(statement.name)
        placeholders = ", ".join(["%s"] * len(params))
        cursor.execute(f"EXECUTE {statement.name} ({placeholders})", params)
        return cursor.fetchone()
    except DatabaseError:
        if connection.in_atomic_block:  # the transaction is spoilt: nothing to retry
            raise
        logger.warning("Prepared %s failed; running it unprepared", statement.name)
        names.discard(statement.name)
        try:
            cursor.execute(f"DEALLOCATE {statement.name}")
        except DatabaseError:
            pass
        cursor.execute(statement.sql, params)
        return cursor.fetchone()


def _instance(db, model_info, values, connection):
    model, attnames, converters = model_info
    converted = []
    for value, (found, expression) in zip(values, converters, strict=True):
        for converter in found:
            value = converter(value, expression, connection)
        converted.append(value)
    return model.from_db(db, attnames, converted)


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
        params += [str(status) for status in LIVE_CART_STATUSES]
    params.append(merchant_order_id)
    with connection.cursor() as cursor:
        row = _execute(connection, cursor, statement, params)
    if row is None:
        return PollRead(payment=None, session_data=None, cart_count=None)
    widths = [len(info[1]) for info in statement.models]
    start = 0
    parts = []
    for width in widths:
        parts.append(row[start : start + width])
        start += width
    extra = row[start:]
    payment = _instance(db, statement.models[0], parts[0], connection)
    user = _instance(db, statement.models[2], parts[2], connection)
    Payment._meta.get_field("user").set_cached_value(payment, user)
    booking_link = Booking._meta.get_field("payment")
    if parts[1][0] is None:
        booking_link.remote_field.set_cached_value(payment, None)
    else:
        booking = _instance(db, statement.models[1], parts[1], connection)
        booking_link.remote_field.set_cached_value(payment, booking)
        booking_link.set_cached_value(booking, payment)
    session_data = extra[0] if with_session else None
    if with_session and session_data is None:
        session_data = ""  # no such session, or it expired
    cart_count = extra[-1] if with_count else None
    return PollRead(payment=payment, session_data=session_data, cart_count=cart_count)
