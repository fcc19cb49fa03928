"""Forms of the storefront: catalog filters, add to cart, promo, accounts, addresses.

Forms own input (parsing, normalising, required fields); the rules of the
shop (capacity, booking window, promo validity) live in ``services``.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from storefront.india import INDIAN_STATES, PIN_VALIDATOR, normalise_indian_mobile
from storefront.models import Address, Language, Package, Service, TimeSlot

SEARCH_MAX_LENGTH = 100
SORT_CHOICES = [
    ("", _("Recommended")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("name", _("Name: A to Z")),
    ("-name", _("Name: Z to A")),
]


def _search_too_long_note() -> str:
    # Interpolated when shown, so the note is in the language of the request.
    return _("Search ignored: please use at most %(n)d characters.") % {
        "n": SEARCH_MAX_LENGTH
    }


class CatalogFilterForm(forms.Form):
    """The catalog's GET filters. Invalid values are dropped with a polite note."""

    q = forms.CharField(label=_("Search pujas"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    kind = forms.ChoiceField(
        label=_("Where"),
        required=False,
        choices=[("", _("Anywhere"))] + list(Service.Kind.choices),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Any language"))] + list(Language.choices),
    )
    min_price = forms.IntegerField(label=_("Min ₹"), required=False, min_value=0)
    max_price = forms.IntegerField(label=_("Max ₹"), required=False, min_value=0)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    NOTES = {
        "q": lazy(_search_too_long_note, str)(),
        "category": _("Category filter ignored: we could not find that category."),
        "kind": _("Puja type filter ignored: choose at home, at temple or online."),
        "language": _("Language filter ignored: choose a language from the list."),
        "min_price": _("Minimum price ignored: enter whole rupees (0 or more)."),
        "max_price": _("Maximum price ignored: enter whole rupees (0 or more)."),
        "sort": _("Sort order ignored: choose one from the list."),
    }

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (category.slug, category.name) for category in categories
        ]

    def clean_q(self):
        q = " ".join(self.cleaned_data["q"].split())
        if len(q) > SEARCH_MAX_LENGTH:
            raise ValidationError(self.NOTES["q"])
        return q

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_price",
                _("Price filter ignored: the minimum is above the maximum."),
            )
            del cleaned["min_price"]
        return cleaned

    def filters_and_notes(self):
        """Return (valid filters, notes about the ignored ones)."""
        self.is_valid()
        notes = []
        for name, errors in self.errors.items():
            if name == "max_price" and "minimum is above" in str(errors[0]):
                notes.append(str(errors[0]))
            elif name in self.NOTES:
                notes.append(str(self.NOTES[name]))
        filters = {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }
        return filters, notes


class AddToCartForm(forms.Form):
    """A package of one service, a date and a slot."""

    package = forms.ModelChoiceField(
        queryset=Package.objects.none(),
        label=_("Package"),
        required=False,
    )
    # The service page asks for the tier and the language separately.
    tier = forms.ChoiceField(choices=Package.Tier.choices, required=False)
    language = forms.ChoiceField(choices=Language.choices, required=False)
    date = forms.DateField(
        label=_("Date"),
        error_messages={
            "required": _("Please choose a date."),
            "invalid": _("Please enter a valid date."),
        },
    )
    slot = forms.ModelChoiceField(
        queryset=TimeSlot.objects.all(),
        label=_("Time slot"),
        error_messages={
            "required": _("Please choose a time slot."),
            "invalid_choice": _(
                "That time slot is not offered. Please pick another slot."
            ),
        },
    )

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        # Inactive packages stay selectable so the service can say why they fail.
        self.fields["package"].queryset = Package.objects.filter(
            service=service
        ).select_related("service")
        self.fields["package"].error_messages["invalid_choice"] = _(
            "Please choose one of the packages of this puja."
        )
        self.fields["tier"].error_messages["invalid_choice"] = _(
            "Please choose one of the packages of this puja."
        )
        self.fields["language"].error_messages["invalid_choice"] = _(
            "Please choose one of the languages of this puja."
        )

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("package") or self.has_error("package"):
            return cleaned_data
        tier, language = cleaned_data.get("tier"), cleaned_data.get("language")
        if self.has_error("tier") or self.has_error("language"):
            return cleaned_data
        if not tier:
            self.add_error("package", _("Please choose a package."))
        elif not language:
            self.add_error("language", _("Please choose a language."))
        else:
            package = (
                self.fields["package"]
                .queryset.filter(tier=tier, language=language)
                .first()
            )
            if package is None:
                self.add_error(
                    "language",
                    _(
                        "The %(tier)s package is not offered in %(language)s. "
                        "Please choose another language."
                    )
                    % {
                        "tier": Package.Tier(tier).label,
                        "language": Language(language).label,
                    },
                )
            cleaned_data["package"] = package
        return cleaned_data


class DateForm(forms.Form):
    """A date typed into ``?date=``, checked against the booking window by the view."""

    date = forms.DateField(
        required=False, error_messages={"invalid": _("Please enter a valid date.")}
    )


class ChangeCartItemForm(forms.Form):
    date = AddToCartForm.base_fields["date"]
    slot = AddToCartForm.base_fields["slot"]


class SankalpForm(forms.Form):
    """The sankalp details of one cart line: who the puja is for, and for what."""

    names = forms.CharField(
        label=_("Names for the sankalp"),
        max_length=300,
        help_text=_("Family members the puja is performed for, separated by commas."),
        error_messages={"required": _("Please enter at least one name.")},
    )
    gotra = forms.CharField(label=_("Gotra"), max_length=60, required=False)
    nakshatra = forms.CharField(
        label=_("Nakshatra / rashi"), max_length=60, required=False
    )
    occasion = forms.CharField(label=_("Occasion"), max_length=120, required=False)
    notes = forms.CharField(
        label=_("Notes for the pandit"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_names(self):
        names = ", ".join(
            part.strip()
            for part in self.cleaned_data["names"].split(",")
            if part.strip()
        )
        if not names:
            raise forms.ValidationError(_("Please enter at least one name."))
        return names


class PromoForm(forms.Form):
    code = forms.CharField(
        label=_("Promo code"),
        max_length=30,
        error_messages={
            "required": _("Please enter a promo code."),
            "max_length": _("Please enter a valid promo code."),
        },
    )


# Accounts ---------------------------------------------------------------------


def _submit_helper(label):
    helper = FormHelper()
    # Templates write their own <form> tag (action, CSRF, ``next``).
    helper.form_tag = False
    helper.add_input(Submit("submit", label, css_class="btn-primary btn-lg w-100"))
    return helper


class MobileField(forms.CharField):
    """An Indian mobile number, normalised to +91XXXXXXXXXX."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "help_text", _("10-digit Indian mobile number, e.g. 98765 43210.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return normalise_indian_mobile(value)


class SignupForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = MobileField(label=_("Mobile number"))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _submit_helper(_("Create account"))

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model()._default_manager.filter(email__iexact=email).exists():
            raise ValidationError(
                _("An account with this email already exists. Please log in.")
            )
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            try:
                password_validation.validate_password(password1, self._unsaved_user())
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def _unsaved_user(self):
        first, _sep, last = (
            self.cleaned_data.get("full_name", "").strip().partition(" ")
        )
        email = self.cleaned_data.get("email", "")
        return get_user_model()(
            username=email, email=email, first_name=first, last_name=last.strip()
        )

    def save(self):
        user = self._unsaved_user()
        user.phone = self.cleaned_data["phone"]
        user.set_password(self.cleaned_data["password1"])
        user.save()
        return user


class EmailLoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")
        self.fields["username"].widget.attrs.update({"autocomplete": "email"})
        self.helper = _submit_helper(_("Log in"))


class AddressForm(forms.ModelForm):
    phone = MobileField(label=_("Mobile number"))
    state = forms.ChoiceField(
        label=_("State / UT"), choices=[("", _("Choose…"))] + INDIAN_STATES
    )
    pincode = forms.CharField(
        label=_("PIN code"),
        max_length=6,
        validators=[PIN_VALIDATOR],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "postal-code",
                "pattern": "[1-9][0-9]{5}",
            }
        ),
    )

    class Meta:
        model = Address
        fields = [
            "full_name",
            "phone",
            "line1",
            "line2",
            "landmark",
            "city",
            "state",
            "pincode",
            "is_default",
        ]
        labels = {
            "landmark": _("Landmark"),
            "city": _("City"),
            "is_default": _("Use as my default address"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pincode"].error_messages["max_length"] = str(PIN_VALIDATOR.message)
        self.helper = _submit_helper(_("Save address"))

    def clean_pincode(self):
        return self.cleaned_data["pincode"].strip()


class CityForm(forms.Form):
    """The city a puja at home takes place in: which priests can come."""

    city = forms.CharField(
        label=_("Your city"),
        max_length=80,
        validators=[
            RegexValidator(r"^[^\W\d_][\w .'-]*$", _("Enter the name of your city."))
        ],
    )

    def clean_city(self):
        return " ".join(self.cleaned_data["city"].split())
