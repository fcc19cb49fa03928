"""Views that make other sign-in paths respect the throttle."""

from django.contrib.auth import views as auth_views
from django.utils.decorators import method_decorator

from security.ratelimits import rate_limit
from security.signin import is_locked, lockout_response


@method_decorator(rate_limit(("login", "ip")), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirm, refused while the account is locked."""

    def form_valid(self, form):
        email = self.user.email or self.user.get_username()
        if is_locked(self.request, email=email):
            return lockout_response(self.request, credentials={"username": email})
        return super().form_valid(form)


@method_decorator(
    rate_limit(("password_reset", "ip"), ("password_reset_email", "email")),
    name="dispatch",
)
class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, rate-limited per IP and per email address."""
