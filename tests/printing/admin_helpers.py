"""Helpers for the production queue admin tests (tests/printing/test_admin_*.py): the
changelist's action POSTs, what a response says, and looking into PDFs and images. Orders
and print files come from tests.factories.printing; the staff clients are fixtures in
tests/printing/conftest.py."""

import subprocess
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import pikepdf
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from PIL import Image

from shop.models import Order

CHANGELIST = "admin:printing_productionorder_changelist"


class StaffClient(Client):
    user: Any


def logged_in(user: Any) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    client.user = user
    return client


def changelist_url(**query: str) -> str:
    url = reverse(CHANGELIST)
    return url + "?" + urlencode(query) if query else url


def run_action(
    client: Any, action: str, orders: Sequence[Order], *, queue: str = "all", **form: Any
) -> Any:
    """POST the changelist's action form as the browser does, from the list filtered by
    `queue` (the admin runs actions on the selected rows of the filtered list)."""
    data = {"action": action, "_selected_action": [o.pk for o in orders], "index": 0, **form}
    return client.post(changelist_url(queue=queue), data)


def confirm_action(
    client: Any, action: str, orders: Sequence[Order], *, queue: str = "all", **form: Any
) -> Any:
    """POST an intermediate page's confirmation form (no "index", "apply" pressed)."""
    data = {"action": action, "_selected_action": [o.pk for o in orders], "apply": "1", **form}
    return client.post(changelist_url(queue=queue), data)


def messages_of(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m.message)) for m in get_messages(response.wsgi_request)]


def listed(response: Any) -> list[str]:
    return [o.number for o in response.context["cl"].result_list]


def state(order: Order) -> tuple[str, str, str, int]:
    order.refresh_from_db()
    return order.status, order.carrier, order.tracking_number, order.status_changes.count()


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def run(*cmd: str, data: bytes | None = None) -> str:
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout.decode()


def grey(image: Image.Image, x: int, y: int) -> int:
    value = image.getpixel((x, y))
    assert isinstance(value, int)
    return value


def separations(pdf: pikepdf.Pdf) -> set[str]:
    """Names of every Separation colour space used by the pages, their XObjects included."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def walk(resources: Any) -> None:
        if resources is None:
            return
        for space in (resources.get("/ColorSpace") or {}).values():
            if isinstance(space, pikepdf.Array) and space[0] == pikepdf.Name.Separation:
                found.add(str(space[1])[1:])
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            walk(xobject.get("/Resources"))

    for page in pdf.pages:
        walk(page.obj.get("/Resources"))
    return found
