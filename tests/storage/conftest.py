"""The private storage alias on S3 for one test: STORAGES points it at the test endpoint's
bucket (under a key prefix of the test's own), and the models' private FileFields, which
resolved their storage once at import, are pointed at that S3 storage until the test ends."""

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client, override_settings

from core.conf import core_settings
from core.storage import private_storage
from tests import factories
from tests.storage import s3


@pytest.fixture
def bucket(db) -> Iterator[s3.Bucket]:
    if not s3.ENDPOINT:
        pytest.skip("no S3 endpoint: set MINIME_TEST_S3_ENDPOINT (scripts/s3-tests.sh)")
    pytest.importorskip("storages.backends.s3", reason="install the s3 extra")
    client = s3.client()
    s3.bucket_ensure(client)
    part = s3.Bucket(s3=client, name=s3.BUCKET, prefix=f"test-{secrets.token_hex(6)}")
    alias = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3.storage_options(part.prefix),
    }
    fields = s3.private_file_fields()
    saved: list[tuple[models.FileField, Any]] = [(field, field.storage) for field in fields]
    with override_settings(STORAGES={**settings.STORAGES, core_settings.PRIVATE_STORAGE: alias}):
        storage = private_storage()
        assert type(storage).__name__ == "S3Storage"
        for field in fields:
            field.storage = storage
        try:
            yield part
        finally:
            for field, previous in saved:
                field.storage = previous
            part.clear()


@pytest.fixture
def fulfilment_client(db) -> Client:
    """Staff in the "Fulfilment" group (printing's data migration makes it), on a browser of
    their own."""
    staff = factories.user_create(consent=False)
    staff.is_staff = True
    staff.save()
    staff.groups.add(Group.objects.get(name="Fulfilment"))
    client = Client()
    client.force_login(staff)
    return client
