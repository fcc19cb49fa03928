"""The site's URLs plus one view that fails, to see where 500s are reported."""

from django.urls import include, path


def fail(request):
    raise RuntimeError("boom: forced failure for the logging test")


urlpatterns = [
    path("boom/", fail),
    path("", include("config.urls")),
]
