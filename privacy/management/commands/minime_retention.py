from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from privacy.retention import retention_run


class Command(BaseCommand):
    help = "Delete what the retention rules say is due (photos, renders, accounts, exports...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        verb = "would delete" if dry_run else "deleted"
        for result in retention_run(dry_run=dry_run):
            self.stdout.write(f"{result.rule}: {verb} {result.count}")
            for item in result.items:
                self.stdout.write(f"  {item}")
