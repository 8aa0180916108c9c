"""Creates the local development C2PA signing credentials (a CA and a leaf certificate,
ES256) in MINIME_C2PA_DIR on first run; later runs change nothing. They are UNTRUSTED
development credentials: production points MINIME_C2PA_CERT_CHAIN / MINIME_C2PA_PRIVATE_KEY at
the merchant's own certificate (README, "Provenance")."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.conf import core_settings
from core.provenance.credentials import DEVELOPMENT_ORGANIZATION, ensure_development_credentials


class Command(BaseCommand):
    help = "Create local, untrusted development C2PA signing credentials (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Replace existing development credentials."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder = core_settings.C2PA_DIR
        credentials = ensure_development_credentials(folder, force=options["force"])
        verb = "Created" if credentials.created else "Kept existing"
        self.stdout.write(
            f"{verb} UNTRUSTED development C2PA credentials (O={DEVELOPMENT_ORGANIZATION!r}) "
            f"in {folder}: {credentials.chain.name}, {credentials.key.name}, "
            f"{credentials.ca.name} (trust anchor)."
        )
        if credentials.chain != core_settings.C2PA_CERT_CHAIN:
            self.stdout.write(
                f"Note: MINIME_C2PA_CERT_CHAIN points elsewhere ({core_settings.C2PA_CERT_CHAIN});"
                " files are signed with that certificate, not these."
            )
