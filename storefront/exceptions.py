"""The storefront's domain errors; each message is fit for the customer.

A module of its own so that ``services`` and ``capacity`` can both raise them
without importing each other.
"""


class StorefrontError(Exception):
    """A rule was broken; the message is fit for the customer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class BookingDateError(StorefrontError):
    pass


class SlotUnavailableError(StorefrontError):
    pass


class CartError(StorefrontError):
    pass


class PromoError(StorefrontError):
    pass
