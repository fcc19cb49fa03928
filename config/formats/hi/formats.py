"""Hindi date formats of the shop: "मंगल, 8 दिसंबर 2026".

Month names are written in full (Hindi has no customary three-letter
abbreviations); the spellings come from ``locale/hi`` (see
``storefront/formats.py``), which fixes Django's own catalogue.
"""

DATE_FORMAT = "D, j F Y"
SHORT_DATE_FORMAT = "j F Y"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
