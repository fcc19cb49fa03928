"""What the storefront's views share: the htmx request, and fragment or page."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# The request headers that decide between a fragment and the whole page.
vary_on_htmx = vary_on_headers("HX-Request", "HX-History-Restore-Request")


def _wants_fragment(request: HtmxHttpRequest) -> bool:
    """Return whether to answer with a fragment of the page.

    htmx asks for the whole page when it restores history it has not cached,
    and sends ``HX-Request`` with that request too.
    """
    return bool(request.htmx) and not request.htmx.history_restore_request


def _cart_changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, "cartChanged")
