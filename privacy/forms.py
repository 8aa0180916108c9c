from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class ConsentForm(forms.Form):
    generation = forms.BooleanField(
        required=True,
        label=_("Process my photo to create my figure (required)."),
        error_messages={
            "required": _("We can only create your figure if you agree to this processing.")
        },
    )
    training = forms.BooleanField(
        required=False,
        label=_("Use my photos to improve the models (optional, you can withdraw at any time)."),
    )


class ConsentToggleForm(forms.Form):
    """One purpose switched on or off in the privacy centre."""

    granted = forms.TypedChoiceField(
        choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda value: value == "1"
    )


class ErasureConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(render_value=False)
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password
