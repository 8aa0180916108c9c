"""Opaque export links: every data export gets a random token (existing rows one each), made
unique in 0007. Two migrations because PostgreSQL refuses to alter a table with pending
trigger events in the transaction that updated its rows."""

import secrets

from django.db import migrations, models


def fill_tokens(apps, schema_editor):
    DataExport = apps.get_model("privacy", "DataExport")
    for export in DataExport.objects.filter(token__isnull=True).only("pk").iterator():
        export.token = secrets.token_urlsafe(32)
        export.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [("privacy", "0005_durable_requests")]

    operations = [
        migrations.AddField(
            model_name="dataexport",
            name="token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
    ]
