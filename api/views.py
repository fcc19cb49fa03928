"""The account's API tokens page (server-rendered), and /api/'s JSON 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from api.errors import error_response
from api.models import ApiToken
from api.tokens import issue_token, revoke_token


@csrf_exempt
def api_not_found(request):
    return error_response(404, "not_found", _("There is no such API endpoint."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    new_token = None
    if request.method == "POST":
        name = " ".join(request.POST.get("name", "").split())[:60]
        if "\x00" in name:
            name = ""
        new_token = issue_token(user=request.user, name=name)
    tokens = list(ApiToken.objects.filter(user=request.user))
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": tokens,
            "new_token": new_token,
            "token_days": settings.API_TOKEN_DAYS,
        },
    )


@login_required
@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    revoke_token(token=token)
    messages.success(
        request, _("The token %(prefix)s… was revoked.") % {"prefix": token.prefix}
    )
    return redirect("api-tokens")
