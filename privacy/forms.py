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
