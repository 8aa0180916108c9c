"""The pieces scripts/plugin-check.sh builds on: the README's snippets it applies, the form
reader that fills in pages as a customer would, and the wheel contents check."""

import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "plugin_check"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"plugin_check_{name}", CHECK / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


readme_snippet = _module("readme_snippet")
forms = _module("forms")
wheel_contents = _module("wheel_contents")


@pytest.mark.parametrize("name", ["settings", "urls"])
def test_the_readme_snippets_are_python_the_check_can_apply(name):
    code = readme_snippet.snippet((ROOT / "README.md").read_text(), name)
    compile(code, f"README.md plugin-{name}", "exec")  # a SyntaxError fails here
    assert code.strip()


def test_a_snippet_needs_its_markers_and_one_python_block():
    with pytest.raises(ValueError, match="exactly one"):
        readme_snippet.snippet("no markers here", "settings")
    block = "```python\na = 1\n```\n"
    two = f"<!-- plugin-x:start -->\n{block}{block}<!-- plugin-x:end -->"
    with pytest.raises(ValueError, match="one ```python block"):
        readme_snippet.snippet(two, "x")
    one = "<!-- plugin-x:start -->\n```python\na = 1\n```\n<!-- plugin-x:end -->"
    assert readme_snippet.snippet(one, "x") == "a = 1\n"


PAGE = """
<form method="post" action="/i18n/setlang/"><input type="hidden" name="language" value="de"></form>
<form method="post" action="/cart/add/" enctype="multipart/form-data">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="file" name="photo">
  <input type="radio" name="variant" value="1"><input type="radio" name="variant" value="2" checked>
  <select name="country"><option value="AT">Austria</option>
    <option value="DE" selected>Germany</option></select>
  <input type="checkbox" name="generation"><input type="checkbox" name="news" checked>
  <textarea name="note">hello</textarea>
  <input type="number" name="quantity" value="1">
</form>
<form><input name="q"></form>
"""


def test_forms_are_read_as_a_browser_would_submit_them():
    setlang, cart, search = forms.forms_of(PAGE, "/page/")
    assert (setlang.action, setlang.method) == ("/i18n/setlang/", "post")
    assert (search.action, search.method) == ("/page/", "get")  # no action: the page itself
    assert cart.files == ["photo"]
    assert cart.choices == {"variant": ["1", "2"], "country": ["AT", "DE"]}
    assert cart.checkboxes == {"generation": False, "news": True}
    assert cart.data(quantity="3") == {
        "csrfmiddlewaretoken": "tok",
        "variant": "2",
        "country": "DE",
        "note": "hello",
        "quantity": "3",
        "news": "on",
    }


def test_the_wheel_check_finds_missing_files_and_foreign_packages(tmp_path):
    source = tmp_path / "src"
    for relative in ("shop/__init__.py", "shop/templates/shop/home.html", "core/data/x.json"):
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_text("x")
    (source / "shop/__pycache__").mkdir()
    (source / "shop/__pycache__/a.cpython-311.pyc").write_text("x")
    wheel = tmp_path / "x-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in ("shop/__init__.py", "shop/templates/shop/home.html", "config/settings.py"):
            archive.writestr(name, "x")
        archive.writestr("x-1.dist-info/METADATA", "x")
    errors = wheel_contents.problems(wheel, source)
    assert any("core/data/x.json" in e for e in errors)
    assert any("['config']" in e for e in errors)
    assert len(errors) == 2  # the .pyc is not expected; the dist-info is allowed
