"""The "Fulfilment" staff group: the production queue and print batches, nothing else (no
customer photos, no figure designs, no privacy records, no catalog or shop settings).

The permission list is frozen here on purpose (a migration must not change when the app
does); `manage.py minime_fulfilment_group` (re)creates the group from the current list."""

from django.db import migrations

GROUP = "Fulfilment"
PERMISSIONS = [
    ("printing", "productionorder", "view_productionorder"),
    ("printing", "productionorder", "change_productionorder"),
    ("printing", "productionorder", "refund_productionorder"),
    ("printing", "printitem", "view_printitem"),
    ("printing", "printbatch", "view_printbatch"),
    ("printing", "printbatch", "add_printbatch"),
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations (post_migrate); make sure the
    # ones the group needs exist now, on a fresh database too.
    for app_config in apps.get_app_configs():
        if app_config.label in {"printing", "shop"}:
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _created = Group.objects.get_or_create(name=GROUP)
    permissions = []
    for app_label, model, codename in PERMISSIONS:
        content_type = ContentType.objects.get(app_label=app_label, model=model)
        permissions.append(Permission.objects.get(content_type=content_type, codename=codename))
    group.permissions.set(permissions)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("printing", "0002_productionorder"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, delete_group)]
