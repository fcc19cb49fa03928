"""The money path's fixtures (the real sandbox process, a ready shop)."""

from tests.checkout.conftest import live_phonepe, phonepe, sandbox, shop  # noqa: F401
