"""Write the API's OpenAPI schema to api/openapi.json, or check it is current.

``manage.py api_schema`` (``make schema``) rewrites the committed file after a
change to the API; ``manage.py api_schema --check`` exits 1 when the code's
schema and the committed one differ (tests/api/test_schema.py does the same).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "openapi.json"


def current_schema() -> str:
    from api.main import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write api/openapi.json from the code, or --check that it is current."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, check=False, **options):
        text = current_schema()
        if check:
            committed = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
            if committed != text:
                raise CommandError(
                    "api/openapi.json is out of date: run `make schema` and commit it."
                )
            self.stdout.write("api/openapi.json is current.")
            return
        SCHEMA_FILE.write_text(text)
        self.stdout.write(f"Wrote {SCHEMA_FILE.relative_to(Path.cwd())}.")
