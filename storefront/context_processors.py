from django.conf import settings


def site(request):
    """Site-wide template values: the site URL and whether DEBUG is on."""
    return {"SITE_URL": settings.SITE_URL, "DEBUG": settings.DEBUG}
