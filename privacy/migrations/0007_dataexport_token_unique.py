import django.db.models
from django.db import migrations

import privacy.models


class Migration(migrations.Migration):
    dependencies = [("privacy", "0006_dataexport_token")]

    operations = [
        migrations.AlterField(
            model_name="dataexport",
            name="token",
            field=django.db.models.CharField(
                default=privacy.models.export_token_new, editable=False, max_length=64, unique=True
            ),
        ),
    ]
