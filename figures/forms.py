import unicodedata
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.text import SingleLineTextField, code_points, refused_characters
from core.typing import Account
from figures.conf import figures_settings
from figures.models import BoxTheme, Photo, Style
from figures.printable import layout_problems, unprintable_message

MAX_ACCESSORIES = 4
ACCESSORY_FIELDS = tuple(f"accessory_{i}" for i in range(1, MAX_ACCESSORIES + 1))
PRINTED_FIELDS = ("name", "tagline", *ACCESSORY_FIELDS)


class DesignTextForm(forms.Form):
    """The figure's printed texts. Every text is one line (core.text) that the print shop can
    set (figures.printable), and together they fit the box at the printer's minimum text size
    (the registered layout checkers). The design forms check them on submit (authoritative);
    the design page's script asks the same checks while the customer types
    (design_text_problems)."""

    name = SingleLineTextField(
        label=_("Figure name"),
        max_length=24,
        help_text=_("Up to 24 characters, printed on the box exactly as you type it."),
    )
    tagline = SingleLineTextField(label=_("Tagline or job title"), max_length=60, required=False)
    accessory_1 = SingleLineTextField(label=_("Accessory 1"), max_length=40, required=False)
    accessory_2 = SingleLineTextField(label=_("Accessory 2"), max_length=40, required=False)
    accessory_3 = SingleLineTextField(label=_("Accessory 3"), max_length=40, required=False)
    accessory_4 = SingleLineTextField(label=_("Accessory 4"), max_length=40, required=False)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if not any(unicodedata.category(ch)[0] in ("L", "N") for ch in name):
            raise forms.ValidationError(_("The name needs at least one letter or digit."))
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field in PRINTED_FIELDS:
            text = cleaned.get(field)
            message = unprintable_message(text) if text else None
            if message:
                self.add_error(field, message)
        name = cleaned.get("name")
        if name and not any(field in self.errors for field in PRINTED_FIELDS):
            # Only texts that are printable one by one: does the box have room for them?
            accessories = [cleaned.get(field) or "" for field in ACCESSORY_FIELDS]
            problems = layout_problems(name, cleaned.get("tagline") or "", accessories)
            for field, message in problems.items():
                self.add_error(field if field in self.fields else None, message)
        return cleaned


def design_text_problems(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """{field: messages} for the printed texts in `data` that would be refused on submit; a
    field left empty is not reported (the customer has not typed it yet)."""
    form = DesignTextForm(data)
    form.is_valid()
    return {
        field: [str(message) for message in messages]
        for field, messages in form.errors.items()
        if field in PRINTED_FIELDS and data.get(field)
    }


class DesignFieldsForm(DesignTextForm):
    """The figure's fields: used for a new design and for tweaks before regenerating; all of
    it is checked in is_valid(), before the view stores anything."""

    # The first style is preselected: a form filled in everywhere else is not refused for it.
    style = forms.ChoiceField(
        label=_("Style"),
        choices=Style.choices,
        initial=Style.choices[0][0],
        widget=forms.RadioSelect,
    )
    box_theme = forms.ChoiceField(label=_("Box colour theme"), choices=BoxTheme.choices)

    def design_fields(self) -> dict[str, Any]:
        """The cleaned fields as the services take them (call after is_valid())."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "tagline": data["tagline"],
            "accessories": [data[field] for field in ACCESSORY_FIELDS if data[field]],
            "style": data["style"],
            "box_theme": data["box_theme"],
        }

    @staticmethod
    def initial_from(fields: dict[str, Any]) -> dict[str, Any]:
        initial = {k: fields[k] for k in ("name", "tagline", "style", "box_theme")}
        for i, accessory in enumerate(fields["accessories"][:MAX_ACCESSORIES], start=1):
            initial[f"accessory_{i}"] = accessory
        return initial


class PhotoChoiceField(forms.ModelChoiceField):
    """The customer's earlier photos as radio buttons (the template shows each one's
    thumbnail), with "a new photo" first."""

    def label_from_instance(self, obj: Any) -> str:
        when = date_format(timezone.localtime(obj.created_at), "SHORT_DATETIME_FORMAT")
        return str(_("Photo uploaded %(date)s") % {"date": when})


class NewDesignForm(DesignFieldsForm):
    photo = forms.FileField(
        label=_("Your photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, one face, at least 512 pixels on the short side."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic"}
        ),
    )
    existing_photo = PhotoChoiceField(
        label=_("…or one of your earlier photos"),
        queryset=Photo.objects.none(),
        required=False,
        to_field_name="pk",
        widget=forms.RadioSelect,
        blank=True,
        empty_label=_("A new photo (chosen above)"),
    )

    field_order = ["photo", "existing_photo"]

    def __init__(self, *args: Any, owner: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the owner's photos are valid choices: another account's id is rejected.
        self.fields["existing_photo"].queryset = Photo.objects.filter(owner=owner)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A file chosen now wins over the earlier photo selected (the page preselects a photo
        # it kept; its script selects "a new photo" when a file is chosen).
        has_photo = cleaned.get("photo") or cleaned.get("existing_photo")
        if not has_photo and "existing_photo" not in self.errors:
            self.add_error("photo", _("Please choose a photo of yourself."))
        return cleaned


class ProvenanceCheckForm(forms.Form):
    """The public "check an image" upload (figures.provenance_views): one image file whose
    name is one line of visible characters. The view holds the file in memory and runs photo
    intake's checks on it; `upload_too_large` says its upload handler dropped a file over
    MINIME_MAX_UPLOAD_BYTES (so the file is missing, not empty)."""

    image = forms.FileField(
        label=_("Image to check"),
        required=False,  # a missing file gets its own message in clean_image
        max_length=255,
        help_text=_("JPEG, PNG or WebP. The image is only read for this check, never stored."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, upload_too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload_too_large = upload_too_large

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        if self.upload_too_large:
            raise forms.ValidationError(
                _("The file is too large. Please choose an image of at most %(mb)s MB."),
                code="too_large",
                params={"mb": f"{figures_settings.MAX_UPLOAD_BYTES / (1024 * 1024):.3g}"},
            )
        if not upload:
            raise forms.ValidationError(_("Please choose an image to check."), code="required")
        refused = refused_characters(upload.name or "")
        if refused:
            raise forms.ValidationError(
                _("The file name contains characters that are not allowed (%(characters)s)."),
                code="file_name",
                params={"characters": code_points(refused)},
            )
        return upload
