class CheckoutError(Exception):
    """The checkout cannot go on; the message is fit for the customer or staff."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
