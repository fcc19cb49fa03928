from tests.checkout.conftest import phonepe, sandbox  # noqa: F401
