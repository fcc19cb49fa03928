from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _fill_search_keys(sender, **kwargs):
    from storefront.services import refresh_search_keys

    refresh_search_keys(only_missing=True)


class StorefrontConfig(AppConfig):
    name = "storefront"
    verbose_name = "Storefront"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from storefront import catalog_cache
        from storefront.languages import remember_on_login

        catalog_cache.connect()
        # Rows saved before search keys existed get them after ``migrate`` (a data
        # migration may not import the normaliser, which keeps changing).
        post_migrate.connect(_fill_search_keys, sender=self)
        user_logged_in.connect(remember_on_login, dispatch_uid="storefront-language")
