"""Django's own messages that customers read, marked for our Hindi catalogue.

Django ships a Hindi catalogue, but it lacks the password rules and calls a
password "शब्दकूट"/"कूटशब्द" where the shop says "पासवर्ड". These are the same
messages (the msgids must match Django's exactly); their Hindi in locale/hi
wins over Django's, because LOCALE_PATHS is read first. Nothing calls this
module: ``makemessages`` reads it.
"""

from django.utils.translation import gettext_lazy, ngettext_lazy

MESSAGES = [
    # django.contrib.auth.password_validation
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "count",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_lazy("The password is too similar to the %(verbose_name)s."),
    gettext_lazy(
        "Your password can’t be too similar to your other personal information."
    ),
    gettext_lazy("This password is too common."),
    gettext_lazy("Your password can’t be a commonly used password."),
    gettext_lazy("This password is entirely numeric."),
    gettext_lazy("Your password can’t be entirely numeric."),
    # django.contrib.auth.forms
    gettext_lazy(
        "Please enter a correct %(username)s and password. Note that both "
        "fields may be case-sensitive."
    ),
    gettext_lazy("This account is inactive."),
    gettext_lazy("The two password fields didn’t match."),
    gettext_lazy("New password"),
    gettext_lazy("New password confirmation"),
    gettext_lazy("Enter the same password as before, for verification."),
    # django.core.validators and django.forms
    gettext_lazy("This field is required."),
    gettext_lazy("Enter a valid email address."),
    gettext_lazy("Enter a valid date."),
    gettext_lazy(
        "Select a valid choice. %(value)s is not one of the available choices."
    ),
    gettext_lazy("Enter a whole number."),
    # User's fields shown in the messages above
    gettext_lazy("username"),
    gettext_lazy("first name"),
    gettext_lazy("last name"),
]
