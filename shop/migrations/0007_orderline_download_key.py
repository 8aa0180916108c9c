"""Opaque download links: every order line gets a random key (existing lines one each), made
unique in 0008. Two migrations because PostgreSQL refuses to alter a table with pending
trigger events in the transaction that updated its rows."""

import secrets

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    OrderLine = apps.get_model("shop", "OrderLine")
    for line in OrderLine.objects.filter(download_key__isnull=True).only("pk").iterator():
        line.download_key = secrets.token_urlsafe(32)
        line.save(update_fields=["download_key"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_outbound_email")]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="download_key",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
