"""A local stand-in for PhonePe PG v2 (Standard Checkout) that speaks the same wire protocol.

Standard library only. Run it with ``python -m phonepe_sandbox --help``; the API, the hosted
payment page, webhooks and the test-only fault controls are described in ``README.md``.
"""

__version__ = "1.0.0"
