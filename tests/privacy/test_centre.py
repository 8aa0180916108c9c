import io
import zipfile
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import dateformat, formats, timezone

from figures import services as figure_services
from figures.models import JobStatus, Photo
from privacy.exporting import data_export_build, data_export_token
from privacy.models import (
    ConsentRecord,
    DataExport,
    DataSubjectRequest,
    ErasureReceipt,
    Purpose,
)
from privacy.registry import retention_rules
from privacy.selectors import consent_is_active, stored_data_of
from shop.models import Order, OrderStatus
from tests import factories
from tests.factories import shop as shop_factories
from tests.factories.shop import order_bare

pytestmark = pytest.mark.django_db


def _date(value) -> str:
    """The date as the page shows it: a moment in the site's time zone (Berlin), not UTC."""
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return dateformat.format(value, formats.get_format("DATE_FORMAT"))


def test_centre_lists_photos_designs_renders_orders_and_consents_with_retention(
    user_client, settings
):
    settings.MINIME_PHOTO_RETENTION_DAYS = 30
    settings.MINIME_UNAPPROVED_RENDER_RETENTION_DAYS = 7
    user = user_client.user
    design = shop_factories.approved_design_for(user)
    order = shop_factories.order_for(user, design=design)
    draft = factories.design_for(user, name="Draft")

    response = user_client.get(reverse("privacy:centre"))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("figures:photo_image", args=[design.photo_id]) in html
    assert reverse("figures:photo_image", args=[draft.photo_id]) in html
    assert reverse("figures:render_image", args=[design.approved_render_id]) in html
    # photo of the approved design: 30 days after approval; the draft's: after its upload
    assert "Deleted on " + _date(design.approved_at + timedelta(days=30)) in html
    assert "Deleted on " + _date(draft.photo.created_at + timedelta(days=30)) in html
    assert "Approved: kept while your account exists" in html
    assert order.number in html
    invoice_until = date(timezone.localtime(order.created_at).year + 8, 12, 31)
    assert f"invoice kept 8 years by law, until {_date(invoice_until)}" in html
    assert "Draft" in html and design.name in html
    assert html.count('data-testid="consent-record"') == 2
    assert 'data-testid="consent-marketing"' in html


def test_unapproved_renders_show_their_deletion_date(user_client, settings):
    settings.MINIME_UNAPPROVED_RENDER_RETENTION_DAYS = 7
    user = user_client.user
    design = shop_factories.approved_design_for(user)
    revised = figure_services.design_revise(design=design, actor=user, changes={"tagline": "Boss"})
    settings.MINIME_RENDER_SIZE, settings.MINIME_RENDERS_PER_JOB = 128, 1
    job = figure_services.generation_job_create(design=revised, actor=user)
    figure_services.job_run(job_id=job.pk)
    render = job.renders.get()

    html = user_client.get(reverse("privacy:centre")).content.decode()

    assert "Not approved: deleted on " + _date(render.created_at + timedelta(days=7)) in html


def test_menu_privacy_link_points_to_the_centre(user_client):
    html = user_client.get(reverse("privacy:centre")).content.decode()

    assert f'href="{reverse("privacy:centre")}" data-testid="nav-privacy"' in html


@pytest.mark.parametrize("purpose", [Purpose.TRAINING, Purpose.MARKETING])
def test_toggles_write_privacy_centre_records(user_client, purpose):
    user = user_client.user
    url = reverse("privacy:consent_toggle", args=[purpose])

    on = user_client.post(url, {"granted": "1"})
    assert on.status_code == 302
    assert consent_is_active(user=user, purpose=purpose)
    user_client.post(url, {"granted": "0"})

    assert not consent_is_active(user=user, purpose=purpose)
    records = ConsentRecord.objects.filter(user=user, purpose=purpose, method="privacy_centre")
    assert [r.granted for r in records.order_by("created_at", "id")] == [True, False]


def test_toggle_rejects_unknown_purposes_and_get(user_client):
    assert (
        user_client.post(
            reverse("privacy:consent_toggle", args=["spying"]), {"granted": "1"}
        ).status_code
        == 404
    )
    assert user_client.get(reverse("privacy:consent_toggle", args=["training"])).status_code == 405


def test_generation_withdrawal_asks_first_then_cancels_jobs_and_erases_photos(user_client):
    user = user_client.user
    design = factories.design_for(user)
    job = figure_services.generation_job_create(design=design, actor=user)  # queued

    first = user_client.post(
        reverse("privacy:consent_toggle", args=["generation"]), {"granted": "0"}
    )

    assert first["Location"] == reverse("privacy:generation_withdraw")
    assert consent_is_active(user=user, purpose=Purpose.GENERATION)  # nothing happened yet
    page = user_client.get(first["Location"]).content.decode()
    assert "cancel every figure still waiting" in page and "erase all your photos" in page

    user_client.post(reverse("privacy:generation_withdraw"))

    assert not consent_is_active(user=user, purpose=Purpose.GENERATION)
    assert ConsentRecord.objects.filter(
        user=user, purpose=Purpose.GENERATION, granted=False, method="privacy_centre"
    ).exists()
    assert not Photo.objects.filter(owner=user).exists()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_export_request_then_download_once(user_client, django_capture_on_commit_callbacks):
    user = user_client.user
    factories.design_for(user)

    with django_capture_on_commit_callbacks(execute=False):
        response = user_client.post(reverse("privacy:export_request"))
    assert response.status_code == 302
    export = DataExport.objects.get(user=user)
    request = DataSubjectRequest.objects.get(user=user)
    assert request.kind == "access" and request.from_customer and request.identity_verified
    pending = user_client.get(reverse("privacy:centre")).content.decode()
    assert "Being prepared" in pending and 'data-testid="export-download"' not in pending

    data_export_build(export_id=export.pk)  # what the worker does
    page = user_client.get(reverse("privacy:centre")).content.decode()
    url = reverse("privacy:export_download", args=[data_export_token(DataExport.objects.get())])
    assert url in page

    download = user_client.get(url)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert "data.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    again = user_client.get(url)
    assert again.status_code == 404
    assert "not available" in again.content.decode()


def test_other_users_export_tokens_are_refused(client):
    owner = factories.user_create()
    export = DataExport.objects.create(user=owner)
    data_export_build(export_id=export.pk)
    client.force_login(factories.user_create())

    response = client.get(reverse("privacy:export_download", args=[data_export_token(export)]))

    assert response.status_code == 404
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY  # still downloadable by its owner


def test_forged_token_is_refused(user_client):
    response = user_client.get(reverse("privacy:export_download", args=["1:forged"]))

    assert response.status_code == 404


def test_download_needs_login(client):
    export = DataExport.objects.create(user=factories.user_create())
    url = reverse("privacy:export_download", args=[data_export_token(export)])

    assert client.get(url).status_code == 302


def test_erase_with_wrong_password_is_refused(user_client):
    user = user_client.user

    response = user_client.post(reverse("privacy:erase"), {"password": "wrong"})

    assert response.status_code == 400
    assert "That is not your password" in response.content.decode()
    assert not ErasureReceipt.objects.exists()
    user.refresh_from_db()
    assert user.is_active


def test_erase_with_password_logs_out_and_shows_a_receipt(
    user_client, django_capture_on_commit_callbacks
):
    user = user_client.user

    with django_capture_on_commit_callbacks(execute=False):
        response = user_client.post(reverse("privacy:erase"), {"password": factories.PASSWORD})

    assert response["Location"] == reverse("privacy:erasure_receipt")
    receipt = ErasureReceipt.objects.get()
    page = user_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="receipt-id">{receipt.pk}<' in html
    assert user.email not in html  # logged out, and the receipt holds no personal data
    assert not get_user_model().objects.get(pk=user.pk).is_active
    request = DataSubjectRequest.objects.get(kind="erasure")
    assert request.email == "" and request.identity_verified
    assert request.log.filter(message__contains=f"receipt {receipt.pk}").exists()
    assert user_client.get(reverse("privacy:centre")).status_code == 302  # logged out


def test_receipt_page_needs_the_session_that_erased(client):
    assert client.get(reverse("privacy:erasure_receipt")).status_code == 404


def test_erasure_completes_through_the_registry(user_client, django_capture_on_commit_callbacks):
    from privacy.erasure import erasure_run

    user = user_client.user
    photo = factories.photo_for(user)
    with django_capture_on_commit_callbacks(execute=False):
        user_client.post(reverse("privacy:erase"), {"password": factories.PASSWORD})

    erasure_run(receipt_id=ErasureReceipt.objects.get().pk)

    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert timezone.now()


def _rule_result(name: str, *, now) -> list[str]:
    from privacy.retention import retention_run

    return next(r.items for r in retention_run(dry_run=True, now=now) if r.rule == name)


def test_invoice_years_shown_come_from_the_setting_and_match_the_retention_rule(
    user_client, settings
):
    # given the invoice retention set to 10 years, and an order
    settings.MINIME_INVOICE_RETENTION_YEARS = 10
    order = order_bare(owner=user_client.user)
    # (kept until the end of the calendar year, 10 years on: HGB § 257(5))
    until = date(timezone.localtime(order.created_at).year + 10, 12, 31)

    # when the customer opens the centre, it shows the date 10 years on
    html = user_client.get(reverse("privacy:centre")).content.decode()
    assert f"invoice kept 10 years by law, until {_date(until)}" in html
    assert "8 years" not in html
    # and the erasure receipt says 10 years too
    session = user_client.session
    session["privacy_erasure_receipt"] = ErasureReceipt.objects.create(subject_hash="x").pk
    session.save()
    receipt_page = user_client.get(reverse("privacy:erasure_receipt")).content.decode()
    assert "Invoices are kept for 10 years" in receipt_page

    # then once anonymised, the retention rule keeps it through that day and deletes it after
    Order.objects.filter(pk=order.pk).update(owner=None, email="", anonymised_at=timezone.now())
    last_day = timezone.make_aware(datetime.combine(until, time(23, 59)))
    assert _rule_result("anonymised_invoices", now=last_day) == []
    next_day = last_day + timedelta(minutes=2)
    assert _rule_result("anonymised_invoices", now=next_day) == [f"Order {order.pk}"]


def test_photo_date_shown_for_an_unapproved_design_is_when_retention_deletes_it(
    user_client, settings
):
    # given a 12-day photo retention and a design never approved
    settings.MINIME_PHOTO_RETENTION_DAYS = 12
    draft = factories.design_for(user_client.user, name="Draft")
    due = draft.photo.created_at + timedelta(days=12)

    # when the customer opens the centre
    html = user_client.get(reverse("privacy:centre")).content.decode()
    item = next(i for i in stored_data_of(user=user_client.user).by_kind["photo"])

    # then it shows the day the photo rule deletes it, worded by that same rule
    assert "Deleted on " + _date(due) in html
    assert item.rule in retention_rules() and item.rule.name == "photos"
    assert item.delete_on == timezone.localdate(due)
    minute = timedelta(minutes=1)
    assert _rule_result("photos", now=due - minute) == []
    assert _rule_result("photos", now=due + minute) == [f"Photo {draft.photo_id}"]


def test_photo_of_a_design_in_an_order_in_production_waits_for_the_shipment(user_client, settings):
    settings.MINIME_PHOTO_RETENTION_DAYS = 30
    user = user_client.user
    design = shop_factories.approved_design_for(user)
    order = shop_factories.order_for(user, design=design, sku="MM-PRT-A4")
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)  # paid, not shipped

    html = user_client.get(reverse("privacy:centre")).content.decode()

    assert "Deleted 30 days after your order with this figure has shipped." in html
    far = timezone.now() + timedelta(days=400)
    assert _rule_result("photos", now=far) == []
