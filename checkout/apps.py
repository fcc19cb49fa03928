from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "checkout"
    verbose_name = "Checkout and bookings"

    def ready(self):
        from checkout import checks  # noqa: F401  (registers the start-up checks)
