"""One pending export per account and one erasure: asking again (a double click, another
tab, parallel requests) returns what is under way and files no second data-subject request.
The parallel cases run on the PostgreSQL leg (SQLite serialises writers anyway)."""

from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from privacy.models import DataExport, DataSubjectRequest, ErasureReceipt
from privacy.services import privacy_centre_erasure_request, privacy_centre_export_request
from tests import factories
from tests.threads import in_threads

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL leg"
)
concurrent_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_asking_again_while_an_export_is_prepared_returns_it(user_client):
    # Given an export being prepared
    url = reverse("privacy:export_request")
    user_client.post(url)
    export = DataExport.objects.get(user=user_client.user)

    # When the customer asks again
    again = user_client.post(url, follow=True)

    # Then nothing new is built or filed, and the page says it is on its way
    assert list(DataExport.objects.filter(user=user_client.user)) == [export]
    assert DataSubjectRequest.objects.filter(user=user_client.user).count() == 1
    assert "already preparing your data" in again.content.decode()


def test_a_new_export_can_be_asked_for_once_the_last_one_is_done(user):
    first, started = privacy_centre_export_request(user=user)
    assert started
    DataExport.objects.filter(pk=first.pk).update(status=DataExport.Status.FAILED)

    second, started_again = privacy_centre_export_request(user=user)

    assert started_again and second.pk != first.pk


@concurrent_db
@postgresql_only
def test_eight_parallel_export_requests_build_one_export_and_file_one_request():
    # Given a customer signed in in eight tabs
    user = factories.user_create()
    tabs = [Client() for _ in range(8)]
    for tab in tabs:
        tab.force_login(user)

    # When all eight ask for their data at the same moment (the build is not the point here:
    # a live session worker building it would race the test's database flush)
    with mock.patch("privacy.tasks.build_export.apply_async"):
        answers = in_threads(8, lambda i: tabs[i].post(reverse("privacy:export_request")))

    # Then every tab is answered, and one export and one data-subject request exist
    assert [getattr(answer, "status_code", answer) for answer in answers] == [302] * 8
    assert DataExport.objects.filter(user=user).count() == 1
    assert DataSubjectRequest.objects.filter(user=user).count() == 1


def test_a_second_erasure_request_returns_the_same_receipt(user):
    first = privacy_centre_erasure_request(user=user)

    second = privacy_centre_erasure_request(user=user)

    assert second.pk == first.pk
    assert ErasureReceipt.objects.count() == 1
    assert DataSubjectRequest.objects.filter(kind="erasure").count() == 1


@concurrent_db
@postgresql_only
def test_parallel_erasure_requests_open_one_receipt_and_one_request():
    # Given a customer on the erase page in four tabs
    user = factories.user_create()
    tabs = [Client() for _ in range(4)]
    for tab in tabs:
        tab.force_login(user)

    # When all four confirm with the password at the same moment (not erased here: a live
    # session worker erasing would race the test's database flush)
    with mock.patch("privacy.tasks.erase_account.apply_async"):
        answers = in_threads(
            4, lambda i: tabs[i].post(reverse("privacy:erase"), {"password": factories.PASSWORD})
        )

    # Then the tabs show the one receipt (a tab whose request came after the first erasure
    # committed finds itself signed out), and one erasure request is filed
    assert [getattr(answer, "status_code", answer) for answer in answers] == [302] * 4
    receipt = ErasureReceipt.objects.get()
    shown = {tab.session.get("privacy_erasure_receipt") for tab in tabs} - {None}
    assert shown == {receipt.pk}
    assert DataSubjectRequest.objects.filter(kind="erasure").count() == 1
