"""(Re)create the "Fulfilment" staff group with exactly the permissions fulfilment needs.

    manage.py minime_fulfilment_group

Safe to run again: the group keeps its members; its permissions are reset to the list below
(anything added by hand is removed and reported). Members need is_staff to use the admin."""

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

GROUP = "Fulfilment"
# (app label, codename). Deliberately absent: anything of figures (designs, renders; the
# customer's photos have no admin at all), privacy, and shop.Order itself (the production
# queue is the proxy printing.ProductionOrder). Without shop.view_order the queue hides the
# customers' email addresses too: members ship by the name and address.
PERMISSIONS = [
    ("printing", "view_productionorder"),
    ("printing", "change_productionorder"),  # actions: in production, shipped
    ("printing", "refund_productionorder"),  # action: refund (remove to keep refunds away)
    ("printing", "view_printitem"),
    ("printing", "view_printbatch"),
    ("printing", "add_printbatch"),  # action: create a print batch
]


class Command(BaseCommand):
    help = 'Create or reset the "Fulfilment" staff group and its permissions.'

    def handle(self, *args: Any, **options: Any) -> None:
        create_permissions(apps.get_app_config("printing"), verbosity=0)
        wanted = []
        for app_label, codename in PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                raise CommandError(f"Permission {app_label}.{codename} is missing: migrate first.")
            wanted.append(permission)
        with transaction.atomic():
            group, created = Group.objects.get_or_create(name=GROUP)
            removed = sorted(
                f"{p.content_type.app_label}.{p.codename}"
                for p in group.permissions.select_related("content_type")
                if p not in wanted
            )
            group.permissions.set(wanted)
        self.stdout.write(
            self.style.SUCCESS(
                f'{"Created" if created else "Reset"} group "{GROUP}": '
                f"{len(wanted)} permissions, {group.user_set.count()} members."
            )
        )
        if removed:
            self.stdout.write(f"Removed permissions: {', '.join(removed)}")
