"""Export download links are opaque and answer only their owner: the token names no export
or account in any decodable form, anything that is not the viewer's token (another
account's, made up, malformed) gets the same 404 page, and the owner still downloads once."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from privacy.exceptions import ExportLinkInvalid
from privacy.exporting import data_export_build, data_export_claim, data_export_token
from privacy.models import DataExport
from tests import factories
from tests.privacy.test_erasure import private_storage_in
from tests.tokens import token_decodings

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page_text(response) -> str:
    # The page's CSRF tokens differ on every render; nothing else may.
    return re.sub(r'value="[^"]{32,}"', "", response.content.decode())


def _url(token: str) -> str:
    return reverse("privacy:export_download", args=[token])


def test_export_token_names_neither_the_export_nor_the_account():
    # given an export with an id nothing else would contain
    owner = factories.user_create(email="token.owner@example.com")
    export = DataExport.objects.create(pk=918273645, user=owner)

    token = data_export_token(export)

    for text in token_decodings(token):
        assert "918273645" not in text and str(owner.pk) + '"' not in text
        assert "token.owner" not in text and '"export"' not in text
    assert token == DataExport.objects.get(pk=918273645).token  # random, stored
    assert token != data_export_token(DataExport.objects.create(user=owner))
    # the same check does find the id in the old, readable link format
    legacy = signing.dumps({"export": export.pk}, salt="minime.privacy.export")
    assert any("918273645" in text for text in token_decodings(legacy))


def test_a_stranger_with_the_owners_link_gets_the_unknown_link_page(private_root):
    # given a ready export and its owner's link
    owner = factories.user_create()
    export = DataExport.objects.create(user=owner)
    data_export_build(export_id=export.pk)
    stranger = _logged_in(factories.user_create())

    # when another account opens it, and a made-up and a malformed link
    theirs = stranger.get(_url(data_export_token(export)))
    made_up = stranger.get(_url("A" * 43))
    malformed = stranger.get(_url("1:forged%00"))

    # then all three are the same 404 page, and the owner still downloads it once
    assert theirs.status_code == made_up.status_code == malformed.status_code == 404
    assert _page_text(theirs) == _page_text(made_up) == _page_text(malformed)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    owner_client = _logged_in(owner)
    assert owner_client.get(_url(data_export_token(export))).status_code == 200
    again = owner_client.get(_url(data_export_token(export)))
    owners_made_up = owner_client.get(_url("A" * 43))
    assert again.status_code == 404 and _page_text(again) == _page_text(owners_made_up)


@pytest.mark.parametrize("token", ["", "short", "x" * 65, "a" * 42 + "\x00", "../" + "a" * 40])
def test_malformed_tokens_never_reach_the_database(token, django_assert_num_queries):
    user = factories.user_create()

    with django_assert_num_queries(0), pytest.raises(ExportLinkInvalid):
        data_export_claim(token=token, user=user)


@pytest.fixture
def private_root(db, tmp_path) -> Iterator[Path]:
    with private_storage_in(tmp_path) as root:
        yield root
