"""A booking's line texts in each language of the shop (django-modeltranslation).

A booking item freezes what the customer bought: the puja's title, the tier,
the language and the slot, as text. Pay freezes them in English and in Hindi
(``snapshots.build_snapshot``), so the confirm page, "My bookings" and the
emails show them in the reader's language, and the admin in English, without
a query more.
"""

from modeltranslation.translator import TranslationOptions, register

from checkout.models import BookingItem


@register(BookingItem)
class BookingItemTranslation(TranslationOptions):
    fields = ("service_title", "package_label", "language", "slot_label", "venue")
