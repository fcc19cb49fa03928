"""/api/ (the JSON API, its schema and docs) and the account's API tokens page."""

import functools

from django.urls import include, path, re_path
from django.utils.translation import gettext as _

from api import views
from api.errors import error_response
from api.main import api


def _json_not_allowed(view):
    """ninja answers a wrong method with a plain-text 405; make it the error shape."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get(
            "Content-Type", ""
        ).startswith("application/json"):
            allowed = response.get("Allow", "")
            response = error_response(
                405,
                "method_not_allowed",
                _("%(method)s is not allowed here.") % {"method": request.method},
            )
            response["Allow"] = allowed
        return response

    return wrapped


def _api_patterns():
    patterns, app_name, _namespace = api.urls
    for pattern in patterns:
        pattern.callback = _json_not_allowed(pattern.callback)
    return patterns, app_name


urlpatterns = [
    path("api/", include(_api_patterns(), namespace="api")),
    re_path(r"^api/", views.api_not_found),
    path("account/api-tokens/", views.token_list, name="api-tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        views.token_revoke,
        name="api-token-revoke",
    ),
]
