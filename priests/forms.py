import datetime

from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can you not take it?"), max_length=255, strip=True
    )


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("Note for Operations (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VideoLinkForm(forms.Form):
    url = forms.URLField(
        label=_("Video-call link (https)"),
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["https"])],
        error_messages={
            "invalid": _("Please enter a full https:// link for the video call."),
            "required": _("Please enter a full https:// link for the video call."),
        },
    )


class LeaveForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=120, required=False
    )

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date < timezone.localdate():
            raise forms.ValidationError(_("Leave days cannot be in the past."))
        if date > timezone.localdate() + datetime.timedelta(days=366):
            raise forms.ValidationError(_("Pick a date within the next year."))
        return date
