"""English date formats of the shop: "Tue, 8 Dec 2026" (day before month, as in India)."""

DATE_FORMAT = "D, j M Y"
SHORT_DATE_FORMAT = "j M Y"
# The long form, with the weekday and month in full: "Tuesday, 8 December 2026".
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
DATETIME_FORMAT = "j M Y, g:i A"
SHORT_DATETIME_FORMAT = "j M Y, g:i A"
TIME_FORMAT = "g:i A"
FIRST_DAY_OF_WEEK = 1
