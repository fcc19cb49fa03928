"""Forms of checkout's staff pages: assigning a priest and cancelling a booking."""

from django import forms
from django.utils.translation import gettext_lazy as _

from checkout.roles import PRIESTS
from storefront.india import format_rupees
from storefront.models import User
from storefront.money import RupeeField


class AssignPriestForm(forms.Form):
    priest = forms.ModelChoiceField(
        label=_("Priest"),
        queryset=User.objects.none(),
        empty_label=_("Choose a priest"),
    )
    co_priests = forms.ModelMultipleChoiceField(
        label=_("Co-priests"),
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "For packages needing several priests. Places left open are filled "
            "with the least busy matching free priests."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Roster priests (never staff); the assignment itself checks that
        # the priests match and are free.
        priests = User.objects.filter(
            is_active=True, groups__name=PRIESTS, priest__is_active=True
        ).order_by("first_name", "last_name", "email")
        for name in ("priest", "co_priests"):
            self.fields[name].queryset = priests
            self.fields[name].label_from_instance = lambda user: (
                f"{user.get_full_name() or user.email} ({user.email})"
            )

    def clean(self):
        cleaned = super().clean()
        priest = cleaned.get("priest")
        if priest is not None and priest in cleaned.get("co_priests", ()):
            self.add_error("co_priests", _("The lead priest is already chosen."))
        return cleaned


class CancelBookingForm(forms.Form):
    refund_amount = RupeeField(
        label=_("Refund (₹)"),
        help_text=_("In rupees, e.g. 1499.50. 0 cancels without a refund."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept in the audit trail and sent to PhonePe with the refund."),
    )

    def __init__(self, *args, refundable_paise, **kwargs):
        super().__init__(*args, **kwargs)
        self.refundable_paise = refundable_paise

    def clean_refund_amount(self):
        paise = self.cleaned_data["refund_amount"]
        if 0 < paise < 100:
            raise forms.ValidationError(_("A refund must be at least ₹1.00."))
        if paise > self.refundable_paise:
            raise forms.ValidationError(
                _("At most %(left)s can be refunded.")
                % {"left": format_rupees(self.refundable_paise)}
            )
        return paise
