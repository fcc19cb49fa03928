"""Start-up checks of checkout settings that would otherwise fail at the first sale."""

import re

from django.conf import settings
from django.core import checks

from checkout.invoices import MAX_PREFIX_LENGTH

PREFIX_PATTERN = re.compile(r"[A-Za-z0-9-]+")


@checks.register()
def document_prefixes(app_configs=None, **kwargs):
    errors = []
    for name in ("INVOICE_PREFIX", "CREDIT_NOTE_PREFIX"):
        prefix = getattr(settings, name)
        if len(prefix) > MAX_PREFIX_LENGTH or not PREFIX_PATTERN.fullmatch(prefix):
            errors.append(
                checks.Error(
                    f"{name}={prefix!r} must be 1 to {MAX_PREFIX_LENGTH} letters, "
                    "digits or '-': GST allows document numbers of at most 16 "
                    "characters (PREFIX/26-27/00001).",
                    id="checkout.E001",
                )
            )
    if settings.INVOICE_PREFIX == settings.CREDIT_NOTE_PREFIX:
        errors.append(
            checks.Error(
                "INVOICE_PREFIX and CREDIT_NOTE_PREFIX must differ: invoices and "
                "credit notes are separate series.",
                id="checkout.E002",
            )
        )
    return errors
