"""The language switcher."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST

from storefront import languages
from storefront.views.htmx import HtmxHttpRequest

# Language ---------------------------------------------------------------------------


@require_POST
def set_language(request: HtmxHttpRequest) -> HttpResponse:
    """Switch between English and Hindi: Django's ``set_language``, then remember it.

    Django's view sets the cookie and goes back to ``next`` (or the referring
    page); a signed-in customer's choice is saved on their profile as well.
    """
    code = languages.supported(request.POST.get("language"))
    if code is None:
        return HttpResponseBadRequest(_("Unknown language."))
    response = i18n_views.set_language(request)
    languages.save_choice(request, code)
    return response
