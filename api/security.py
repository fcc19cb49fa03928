"""How API callers prove who they are: a bearer token, or the site's session.

Apps send ``Authorization: Bearer okp_…``. The site's own pages may call the
API with their session cookie instead; then unsafe methods need Django's CSRF
token (``X-CSRFToken``), exactly as a form post would.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from api.errors import ApiError
from api.tokens import find_usable_token


class TokenAuth(HttpBearer):
    openapi_description = "A personal access token from POST /api/auth/token/."

    def authenticate(self, request, token):
        api_token = find_usable_token(token)
        if api_token is None:
            raise ApiError(
                401,
                "invalid_token",
                _("This token is unknown, expired or revoked. Get a new one."),
            )
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The site's session cookie, with Django's CSRF check for unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "The site's session cookie; unsafe methods need X-CSRFToken."

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise ApiError(
                403,
                "csrf_failed",
                _("CSRF check failed: send the X-CSRFToken header with the session."),
            )
        return request.user


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTH = [token_auth, session_auth]
