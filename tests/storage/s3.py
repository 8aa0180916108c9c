"""The S3 endpoint the storage tests run against (moto's standalone server in CI, started by
scripts/s3-tests.sh; any S3 API works): where it is, the model fields stored under the private
alias, and a view of one test's objects in the bucket through boto3, independent of the
storage under test."""

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import models

from core.storage import private_storage

ENDPOINT = os.environ.get("MINIME_TEST_S3_ENDPOINT", "").rstrip("/")
BUCKET = os.environ.get("MINIME_TEST_S3_BUCKET", "minime-test")
REGION = os.environ.get("AWS_S3_REGION_NAME") or "us-east-1"

requires_s3 = pytest.mark.skipif(
    not ENDPOINT,
    reason="no S3 endpoint: set MINIME_TEST_S3_ENDPOINT (scripts/s3-tests.sh starts moto_server)",
)


def credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        "aws_secret_access_key": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    }


def client() -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION, **credentials())


def bucket_ensure(s3: Any, name: str = BUCKET) -> None:
    """The bucket scripts/s3-tests.sh creates; made here when the tests run on their own."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        s3.create_bucket(Bucket=name)


def private_file_fields() -> list[models.FileField]:
    """Every FileField whose storage is the private alias (storage=core.storage.private_storage)."""
    found: dict[int, models.FileField] = {}
    for model in apps.get_models():
        for field in model._meta.fields:
            if (
                isinstance(field, models.FileField)
                and getattr(field, "_storage_callable", None) is private_storage
            ):
                found[id(field)] = field
    return list(found.values())


def storage_options(location: str) -> dict[str, Any]:
    """config/settings.py's S3 options (MINIME_S3_BUCKET), under a key prefix of the test's own."""
    keys = credentials()
    return {
        "bucket_name": BUCKET,
        "endpoint_url": ENDPOINT,
        "region_name": REGION,
        "access_key": keys["aws_access_key_id"],
        "secret_key": keys["aws_secret_access_key"],
        "default_acl": "private",
        "querystring_auth": False,
        "file_overwrite": False,
        "location": location,
    }


def leak_needles() -> list[str]:
    """What a bucket URL would contain: the endpoint's host, AWS's S3 domain, the bucket path."""
    host = urlsplit(ENDPOINT).netloc
    return [host, "amazonaws", f"/{BUCKET}/", "X-Amz-", "AWSAccessKeyId"]


@dataclass
class Bucket:
    """One test's part of the bucket (keys under `prefix/`), read with boto3 directly."""

    s3: Any
    name: str
    prefix: str

    def names(self) -> set[str]:
        """Object names as the storage knows them (without the test's prefix)."""
        found: set[str] = set()
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=self.prefix + "/"
        )
        for page in pages:
            found |= {item["Key"][len(self.prefix) + 1 :] for item in page.get("Contents", [])}
        return found

    def read(self, name: str) -> bytes:
        body = self.s3.get_object(Bucket=self.name, Key=f"{self.prefix}/{name}")["Body"]
        return bytes(body.read())

    def is_private(self, name: str) -> bool:
        """Only the owner has a grant: no AllUsers/AuthenticatedUsers grantee."""
        grants = self.s3.get_object_acl(Bucket=self.name, Key=f"{self.prefix}/{name}")["Grants"]
        public = [g for g in grants if g["Grantee"].get("Type") == "Group"]
        owner_only = all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants)
        return bool(grants) and owner_only and not public

    def clear(self) -> None:
        keys = [{"Key": f"{self.prefix}/{name}"} for name in self.names()]
        for start in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=self.name, Delete={"Objects": keys[start : start + 1000]})
