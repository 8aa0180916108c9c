"""Files from the production queue (printing.admin.queue and .actions, printing.bundles):
the print files ZIP of the selected orders, one print file and one order's ZIP from the
order page, and packing slips. Print files are small real PDFs (tests.factories.printing)."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse

from printing.models import PrintItem
from tests import factories
from tests.factories.printing import paid_order, print_pdf, ready
from tests.factories.shop import approved_design_for
from tests.printing.admin_helpers import (
    body,
    messages_of,
    run,
    run_action,
)

pytestmark = pytest.mark.django_db


def test_download_print_files_zip_holds_the_ready_files(production_client):
    user = factories.user_create()
    design = approved_design_for(user)
    first = paid_order(user, design=design, ago=timedelta(days=1))
    second = paid_order(user, sku="MM-PRT-A4", quantity=2, design=design)
    pending = paid_order(user, design=design)
    PrintItem.objects.get(order_line=pending.lines.get())  # made when paid, still pending
    first_pdf, second_pdf = print_pdf(148, 210), print_pdf(210, 297)
    ready(first, first_pdf)
    ready(second, second_pdf)

    response = run_action(production_client, "download_print_files", [first, second, pending])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert sorted(archive.namelist()) == [
        f"{first.number}/{first.number}-L1-sticker-sheet-a5-x1.pdf",
        f"{second.number}/{second.number}-L1-art-print-a4-x2.pdf",
    ]
    assert archive.read(archive.namelist()[0]) in (first_pdf, second_pdf)
    assert ("warning", f"Not in the ZIP: {pending.number} L1 (Sticker sheet A5): "
            "Waiting for print files") in messages_of(response)  # fmt: skip


def test_download_print_files_when_none_is_ready_says_so(production_client):
    order = paid_order()

    response = run_action(production_client, "download_print_files", [order])

    assert response.status_code == 302
    assert (
        "error",
        "None of the selected orders has print files ready; nothing to download.",
    ) in messages_of(response)


def test_single_print_file_and_order_zip_from_the_change_page(production_client):
    order = paid_order()
    item = ready(order)

    one = production_client.get(
        reverse("admin:printing_productionorder_print_file", args=[item.pk])
    )
    whole = production_client.get(
        reverse("admin:printing_productionorder_print_files", args=[order.pk])
    )

    assert one.status_code == 200 and one["Content-Type"] == "application/pdf"
    assert f"{order.number}-L1-sticker-sheet-a5-x1.pdf" in one["Content-Disposition"]
    assert body(one).startswith(b"%PDF")
    assert zipfile.ZipFile(io.BytesIO(body(whole))).namelist() == [
        f"{order.number}/{order.number}-L1-sticker-sheet-a5-x1.pdf"
    ]


def test_packing_slip_pdf_has_the_order_number_and_address_with_embedded_fonts(
    production_client,
):
    order = paid_order(quantity=2)

    response = production_client.get(
        reverse("admin:printing_productionorder_packing_slip", args=[order.pk])
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"packing-slip-{order.number}.pdf" in response["Content-Disposition"]
    data = body(response)
    text = run("pdftotext", "-layout", "-", "-", data=data)
    for expected in (order.number, "Jürgen Tester", "Hauptstraße 1", "10115 Berlin", "GERMANY",
                     "Sticker sheet", "A5", "Mini-Me Merch"):  # fmt: skip
        assert expected in text
    assert "EUR" not in text  # no prices on a packing slip
    fonts = run("pdffonts", "-", data=data).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    info = run("pdfinfo", "-", data=data)
    assert "595.276 x 841.89 pts (A4)" in info


def test_packing_slips_action_returns_one_pdf_for_the_selected_orders(production_client):
    user = factories.user_create()
    design = approved_design_for(user)
    orders = [paid_order(user, design=design) for _ in range(2)]

    response = run_action(production_client, "packing_slips", orders)

    data = body(response)
    assert response["Content-Type"] == "application/pdf"
    assert "Pages:           2" in run("pdfinfo", "-", data=data)
    text = run("pdftotext", "-", "-", data=data)
    assert all(o.number in text for o in orders)
