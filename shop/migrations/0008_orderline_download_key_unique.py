import django.db.models
from django.db import migrations

import shop.models


class Migration(migrations.Migration):
    dependencies = [("shop", "0007_orderline_download_key")]

    operations = [
        migrations.AlterField(
            model_name="orderline",
            name="download_key",
            field=django.db.models.CharField(
                default=shop.models.download_key_new, editable=False, max_length=64, unique=True
            ),
        ),
    ]
