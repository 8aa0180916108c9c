"""The forms of an HTML page, as a browser would submit them: enough of HTML for the plugin
check to fill in what a customer sees (scripts/plugin_check/journey.py)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_INPUTS = {"text", "email", "password", "number", "hidden", "tel", "url", "search", ""}


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)  # radios and selects
    checkboxes: dict[str, bool] = field(default_factory=dict)  # name -> checked
    files: list[str] = field(default_factory=list)

    def data(self, **values: object) -> dict[str, object]:
        """What submitting the form sends: its values, ticked checkboxes, then `values`."""
        data: dict[str, object] = dict(self.fields)
        data.update({name: "on" for name, checked in self.checkboxes.items() if checked})
        data.update(values)
        return data


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(
                action=attr.get("action") or self.page_url,
                method=(attr.get("method") or "get").lower(),
            )
            self.forms.append(self._form)
        form, name = self._form, attr.get("name", "")
        if form is None or (not name and tag != "option"):
            return
        if tag == "input":
            self._input(form, name, attr)
        elif tag == "select":
            self._select = name
            form.choices.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            value = attr.get("value", "")
            form.choices[self._select].append(value)
            if "selected" in attr or self._select not in form.fields:
                form.fields[self._select] = value
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""

    def _input(self, form: Form, name: str, attr: dict[str, str]) -> None:
        kind = attr.get("type", "").lower()
        if kind == "checkbox":
            form.checkboxes[name] = "checked" in attr
        elif kind == "radio":
            form.choices.setdefault(name, []).append(attr.get("value", "on"))
            if "checked" in attr:
                form.fields[name] = attr.get("value", "on")
        elif kind == "file":
            form.files.append(name)
        elif kind in TEXT_INPUTS:
            form.fields[name] = attr.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms
