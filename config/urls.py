"""Root URLconf: the storefront, checkout, admin and health check."""

from django.contrib import admin
from django.urls import include, path

from config.views import healthz, livez

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("priest/", include("priests.urls")),
    path("", include("checkout.urls")),
    path("", include("storefront.urls")),
    path("", include("api.urls")),
]
