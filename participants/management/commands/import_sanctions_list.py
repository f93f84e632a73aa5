"""Import a version of a sanctions list from a file in the UN Security Council Consolidated List's XML shape.

    python manage.py import_sanctions_list path/to/consolidated.xml [--source UNSC] [--no-screening]

The file is read from disk (nothing is fetched). A refused file changes nothing and exits with status 1.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from participants import sanctions


class Command(BaseCommand):
    help = "Import a sanctions list version (UN Security Council Consolidated List XML) and screen everyone."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The XML file.")
        parser.add_argument("--source", default="UNSC", help="Which list the file is a version of (default UNSC).")
        parser.add_argument(
            "--no-screening", action="store_true", help="Do not screen everyone against the new version."
        )

    def handle(self, *args, path, source, no_screening, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if file.stat().st_size > sanctions.MAX_LIST_BYTES:
            raise CommandError(f"{file} is larger than {sanctions.MAX_LIST_BYTES // (1024 * 1024)} MB.")
        try:
            version = sanctions.sanctions_list_import(
                data=file.read_bytes(), source=source, file_name=file.name, screen=not no_screening
            )
        except ValidationError as refused:
            raise CommandError(sanctions.refusal_text(refused)) from refused
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {version.entry_count} entries of {version.source}"
                f" (dated {version.generated_on or 'unknown'}) as version {version.pk}."
            )
        )
