"""Catalog content in Hindi (django-modeltranslation).

Each field listed here gets ``<field>_en`` and ``<field>_hi`` columns, edited
side by side in the admin. Reading ``service.title`` gives the active
language's value, falling back to English when the Hindi one is empty
(``MODELTRANSLATION_FALLBACK_LANGUAGES``), in the same query as before.
"""

from modeltranslation.translator import TranslationOptions, register

from storefront.models import Category, Package, Page, Service, TimeSlot


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Service)
class ServiceTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "included", "venue")


@register(Package)
class PackageTranslation(TranslationOptions):
    fields = ("description",)


@register(TimeSlot)
class TimeSlotTranslation(TranslationOptions):
    fields = ("label",)


@register(Page)
class PageTranslation(TranslationOptions):
    fields = ("title", "body")
