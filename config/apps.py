from django.contrib.admin.apps import AdminConfig


class OkPujaAdminConfig(AdminConfig):
    """django.contrib.admin with the OkPuja site as the default ``admin.site``."""

    default_site = "config.admin.OkPujaAdminSite"
