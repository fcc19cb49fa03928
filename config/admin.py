"""The OkPuja admin site: staff header, the operations overview as its index,
and a sign-in that only staff with something to see get through.

Installed as Django's default admin site through ``config.apps.OkPujaAdminConfig``,
so ``admin.site`` and ``@admin.register`` everywhere mean this site and no app
changes the site at import time. Failed sign-ins are throttled by django-axes,
the same throttle as every other sign-in form (README "Security").
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from security.ratelimits import rate_limit


def has_admin_access(user):
    """Return True for active staff with at least one permission to use."""
    return (
        user.is_active
        and user.is_staff
        and (user.is_superuser or bool(user.get_all_permissions()))
    )


class StaffAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "nothing_to_see": _(
            "Your account has no staff pages yet, so it cannot sign in here. "
            "Ask Operations if you need access."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not has_admin_access(user):
            raise ValidationError(
                self.error_messages["nothing_to_see"], code="nothing_to_see"
            )


class OkPujaAdminSite(admin.AdminSite):
    site_header = _("OkPuja staff")
    site_title = _("OkPuja staff")
    index_title = _("Operations overview")
    index_template = "admin/checkout/index.html"
    login_form = StaffAuthenticationForm

    def has_permission(self, request):
        return has_admin_access(request.user)

    @method_decorator(rate_limit(("login", "ip")))
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)
