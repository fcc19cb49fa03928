"""The JSON API for app clients, served under /api/ (see docs/api.md).

django-ninja builds the OpenAPI schema from these typed endpoints; the
committed copy is api/openapi.json (``make schema`` rewrites it).
"""

from ninja import NinjaAPI

from api import account, cart, catalog, errors, payments
from api.parser import GuardedParser
from api.security import AUTH

api = NinjaAPI(
    title="OkPuja API",
    version="1",
    description=(
        "Book pujas and pay through PhonePe from an app. Authenticate with "
        "`Authorization: Bearer <token>` (POST /api/auth/token/) or the site's "
        "session (with X-CSRFToken on writes). Errors are always "
        '`{"success": false, "error": {"code", "message", "fields"}}`.'
    ),
    auth=AUTH,
    parser=GuardedParser(),
    openapi_url="/schema/",
    docs_url="/docs/",
    urls_namespace="api",
)
errors.install(api)

api.add_router("/catalog/", catalog.router)
api.add_router("/cart/", cart.router)
api.add_router("/addresses/", account.addresses)
api.add_router("/bookings/", account.bookings)
api.add_router("/auth/", account.auth)
api.add_router("/payments/", payments.router)
