"""A signed-in visitor's header in one round trip after the session.

What every page's header shows of a signed-in visitor (their name, the count
on the cart badge) costs, the usual way, one query for the user
(``django.contrib.auth``) and one for the count, each built afresh by the ORM.
Here both are one statement (``storefront.prepared``), and the user is
checked as ``django.contrib.auth.get_user`` checks a session's user. Anything
unusual (a password changed since sign-in, a backend that loads users its own
way, an inactive user) leaves it to ``django.contrib.auth`` as before.
"""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils.crypto import constant_time_compare

from storefront import prepared
from storefront.models import Cart, CartItem, User

# Lines of a live cart, as selectors.live_cart_line_count counts them.
LIVE_CART_STATUSES = (Cart.Status.OPEN, Cart.Status.FROZEN)

_statements: dict = {}


def cart_count_sql(connection, user_column: str) -> str:
    """A scalar subquery: the lines of the live carts of the user in
    ``user_column``; its parameters are ``cart_count_params()``."""
    qn = connection.ops.quote_name
    cart = Cart._meta
    item = CartItem._meta
    return (
        f"(SELECT COUNT(*) FROM {qn(item.db_table)} i "
        f"INNER JOIN {qn(cart.db_table)} c "
        f"ON i.{qn(item.get_field('cart').column)} = c.{qn(cart.pk.column)} "
        f"WHERE c.{qn(cart.get_field('user').column)} = {user_column} "
        f"AND c.{qn(cart.get_field('status').column)} IN "
        f"({', '.join(['%s'] * len(LIVE_CART_STATUSES))}))"
    )


def cart_count_params() -> list:
    return [str(status) for status in LIVE_CART_STATUSES]


def session_user_is_valid(session, user, *, fallbacks=True) -> bool:
    """Whether ``session`` is ``user``'s, as django.contrib.auth.get_user
    checks it: a backend we use, a user it lets in, the session's hash of the
    user's password (``fallbacks``: also one made with an old SECRET_KEY)."""
    backend_path = session.get(auth.BACKEND_SESSION_KEY)
    session_hash = session.get(auth.HASH_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS or not session_hash:
        return False
    if not auth.load_backend(backend_path).user_can_authenticate(user):
        return False
    hashes = [user.get_session_auth_hash()]
    if fallbacks:
        hashes += user.get_session_auth_fallback_hash()
    return any(constant_time_compare(session_hash, known) for known in hashes)


def _statement(connection) -> prepared.Statement:
    key = (connection.alias, connection.vendor)
    statement = _statements.get(key)
    if statement is None:
        qn = connection.ops.quote_name
        user = prepared.all_columns(User, "u", connection)
        user_id = f"u.{qn(User._meta.pk.column)}"
        statement = prepared.Statement(
            name="okpuja_visitor",
            sql=(
                f"SELECT {', '.join(user.sql)}, {cart_count_sql(connection, user_id)} "
                f"FROM {qn(User._meta.db_table)} u WHERE {user_id} = %s"
            ),
            parts=(user,),
        )
        _statements[key] = statement
    return statement


def _loads_users_by_pk(backend_path) -> bool:
    """Whether the backend loads a session's user as ModelBackend does."""
    backend = auth.load_backend(backend_path)
    return getattr(type(backend), "get_user", None) is ModelBackend.get_user


def signed_in_cart_count(request) -> int | None:
    """Load the session's user with their cart badge's count in one statement.

    Sets ``request.user`` and returns the count; None when the session names
    no user or anything is unusual (the caller then goes the usual way).
    """
    if hasattr(request, "_cached_user"):  # loaded already
        return None
    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    backend_path = session.get(auth.BACKEND_SESSION_KEY)
    if (
        user_id is None
        or backend_path not in settings.AUTHENTICATION_BACKENDS
        or not _loads_users_by_pk(backend_path)
    ):
        return None
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    db = router.db_for_read(User)
    connection = connections[db]
    statement = _statement(connection)
    row = prepared.fetchone(connection, statement, [*cart_count_params(), pk])
    if row is None:
        return None
    (user_values,), (count,) = prepared.split(statement, row)
    user = statement.parts[0].instance(db, user_values, connection)
    if not session_user_is_valid(session, user, fallbacks=False):
        return None
    request.user = request._cached_user = user
    return count
