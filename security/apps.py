from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Sign-in throttle and rate limits"
    default_auto_field = "django.db.models.BigAutoField"
