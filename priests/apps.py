from django.apps import AppConfig


class PriestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "priests"
    verbose_name = "Priests"
