"""The OkPuja admin site: staff header, the operations overview as its index,
and the throttled sign-in form.

Installed as Django's default admin site through ``config.apps.OkPujaAdminConfig``,
so ``admin.site`` and ``@admin.register`` everywhere mean this site and no app
changes the site at import time.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from staffauth.forms import ThrottledAdminAuthenticationForm


class OkPujaAdminSite(admin.AdminSite):
    site_header = _("OkPuja staff")
    site_title = _("OkPuja staff")
    index_title = _("Operations overview")
    index_template = "admin/checkout/index.html"
    login_form = ThrottledAdminAuthenticationForm
