"""The demo host's settings (config/settings.py) put the private alias on S3 when
MINIME_S3_BUCKET is set: a fresh process with only the documented environment variables
stores a private object in the bucket through the models' storage."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.storage import s3
from tests.storage.s3 import requires_s3

pytestmark = requires_s3

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
import django
from django.core.files.base import ContentFile
django.setup()
from core.storage import private_storage
from tests.storage.s3 import private_file_fields
storage = private_storage()
fields = private_file_fields()
name = fields[0].storage.save("settings-probe/probe.bin", ContentFile(b"probe"))
print(json.dumps({
    "backend": f"{type(storage).__module__}.{type(storage).__name__}",
    "every_field": all(field.storage is storage for field in fields),
    "bucket": storage.bucket_name,
    "acl": storage.default_acl,
    "signed_urls": storage.querystring_auth,
    "name": name,
}))
"""


def test_minime_s3_bucket_puts_every_private_file_field_on_s3(tmp_path):
    # given the environment README's "S3 storage" documents, and nothing else about storage
    client = s3.client()
    s3.bucket_ensure(client)
    keys = s3.credentials()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MINIME_", "AWS_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="1",
        MINIME_VAR_DIR=str(tmp_path),
        MINIME_S3_BUCKET=s3.BUCKET,
        AWS_S3_ENDPOINT_URL=s3.ENDPOINT,
        AWS_S3_REGION_NAME=s3.REGION,
        AWS_ACCESS_KEY_ID=keys["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"],
    )

    # when a process of the demo host saves a private file
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    # then it is a private object in that bucket, made by S3Storage without signed URLs
    assert done.returncode == 0, done.stderr[-3000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    try:
        assert probe["backend"] == "storages.backends.s3.S3Storage"
        assert probe["every_field"] and probe["bucket"] == s3.BUCKET
        assert probe["acl"] == "private" and probe["signed_urls"] is False
        stored = client.get_object(Bucket=s3.BUCKET, Key=probe["name"])["Body"].read()
        assert stored == b"probe"
        grants = client.get_object_acl(Bucket=s3.BUCKET, Key=probe["name"])["Grants"]
        assert [g["Grantee"]["Type"] for g in grants] == ["CanonicalUser"]
    finally:
        client.delete_object(Bucket=s3.BUCKET, Key=probe["name"])
