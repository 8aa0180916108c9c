import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.typing import Account
from figures.models import BoxTheme, Photo, Style

MAX_ACCESSORIES = 4


def _no_control_characters(value: str) -> None:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value):
        raise forms.ValidationError(_("Please use only letters, digits and punctuation."))


class DesignFieldsForm(forms.Form):
    """The figure's fields: used for a new design and for tweaks before regenerating."""

    name = forms.CharField(
        label=_("Figure name"),
        max_length=24,
        help_text=_("Up to 24 characters, printed on the box exactly as you type it."),
    )
    tagline = forms.CharField(label=_("Tagline or job title"), max_length=60, required=False)
    accessory_1 = forms.CharField(label=_("Accessory 1"), max_length=40, required=False)
    accessory_2 = forms.CharField(label=_("Accessory 2"), max_length=40, required=False)
    accessory_3 = forms.CharField(label=_("Accessory 3"), max_length=40, required=False)
    accessory_4 = forms.CharField(label=_("Accessory 4"), max_length=40, required=False)
    style = forms.ChoiceField(label=_("Style"), choices=Style.choices, widget=forms.RadioSelect)
    box_theme = forms.ChoiceField(label=_("Box colour theme"), choices=BoxTheme.choices)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        _no_control_characters(name)
        if not any(unicodedata.category(ch)[0] in ("L", "N") for ch in name):
            raise forms.ValidationError(_("The name needs at least one letter or digit."))
        return name

    def clean_tagline(self) -> str:
        tagline: str = self.cleaned_data["tagline"]
        _no_control_characters(tagline)
        return tagline

    def design_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        accessories = [
            data[f"accessory_{i}"] for i in range(1, MAX_ACCESSORIES + 1) if data[f"accessory_{i}"]
        ]
        for accessory in accessories:
            _no_control_characters(accessory)
        return {
            "name": data["name"],
            "tagline": data["tagline"],
            "accessories": accessories,
            "style": data["style"],
            "box_theme": data["box_theme"],
        }

    @staticmethod
    def initial_from(fields: dict[str, Any]) -> dict[str, Any]:
        initial = {k: fields[k] for k in ("name", "tagline", "style", "box_theme")}
        for i, accessory in enumerate(fields["accessories"][:MAX_ACCESSORIES], start=1):
            initial[f"accessory_{i}"] = accessory
        return initial


class NewDesignForm(DesignFieldsForm):
    photo = forms.FileField(
        label=_("Your photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, one face, at least 512 pixels on the short side."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic"}
        ),
    )
    existing_photo = forms.ModelChoiceField(
        label=_("…or one of your earlier photos"),
        queryset=Photo.objects.none(),
        required=False,
        to_field_name="pk",
    )

    field_order = ["photo", "existing_photo"]

    def __init__(self, *args: Any, owner: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the owner's photos are valid choices: another account's id is rejected.
        self.fields["existing_photo"].queryset = Photo.objects.filter(owner=owner)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_photo = cleaned.get("photo") or cleaned.get("existing_photo")
        if not has_photo and "existing_photo" not in self.errors:
            self.add_error("photo", _("Please choose a photo of yourself."))
        return cleaned
