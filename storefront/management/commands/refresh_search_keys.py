"""Recompute the normalised search text of every category and service."""

from django.core.management.base import BaseCommand

from storefront.services import refresh_search_keys


class Command(BaseCommand):
    help = (
        "Recompute what catalog search matches against; run after changing the "
        "spelling rules or synonyms in storefront/search.py."
    )

    def handle(self, *args, **options):
        saved = refresh_search_keys()
        self.stdout.write(f"Search keys refreshed for {saved} categories and services.")
