"""Backfill: signs stored renders that carry no C2PA manifest yet (renders made before
signing existed, or while credentials were missing). Idempotent: a render with a manifest is
left as it is. A signed copy is stored beside the old file, then the old file is deleted."""

from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.provenance import credentials_problem, has_manifest
from figures.models import Render
from figures.render_provenance import render_sign


class Command(BaseCommand):
    help = "Sign stored renders that have no C2PA manifest yet (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args: Any, **options: Any) -> None:
        problem = credentials_problem()
        if problem and not options["dry_run"]:
            raise CommandError(f"Cannot sign: {problem} (run minime_c2pa_credentials?)")
        signed = kept = missing = 0
        for render in Render.objects.select_related("job").iterator(chunk_size=200):
            storage, name = render.image.storage, render.image.name
            if not name or not storage.exists(name):
                missing += 1
                continue
            with storage.open(name, "rb") as stored:
                data = stored.read()
            if has_manifest(data, "image/png"):
                kept += 1
                continue
            signed += 1
            if options["dry_run"]:
                continue
            png = render_sign(render.job, data, created=render.created_at)
            # Beside the old file first (the storage picks a free name), then the row, then
            # the old file goes: a crash in between loses nothing.
            saved = storage.save(name, ContentFile(png))
            Render.objects.filter(pk=render.pk).update(image=saved)
            if saved != name:
                storage.delete(name)
        verb = "would sign" if options["dry_run"] else "signed"
        self.stdout.write(
            f"Renders: {verb} {signed}, already signed {kept}, files missing {missing}."
        )
