from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from privacy.training import training_export_create


class Command(BaseCommand):
    help = (
        "Build a training set (photos and approved renders of people whose training consent "
        "is active now) as a ZIP in private storage, and log who is in it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recipient", required=True, help="Who receives the set (team or partner name)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        export = training_export_create(actor=None, recipient=options["recipient"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Training export {export.pk}: {export.item_count} items, "
                f"{export.subjects.count()} people, file {export.file.name}"
            )
        )
