"""The API's contract is the committed api/openapi.json; the docs are self-hosted."""

import json
import re

import pytest
from django.core.management import CommandError, call_command

from api.management.commands import api_schema


def test_committed_schema_matches_the_code():
    committed = api_schema.SCHEMA_FILE.read_text()
    assert committed == api_schema.current_schema(), (
        "The API changed: run `make schema` and commit api/openapi.json."
    )


def test_check_command_fails_on_a_stale_schema(tmp_path, monkeypatch):
    stale = tmp_path / "openapi.json"
    stale.write_text(api_schema.current_schema().replace("OkPuja API", "Old API"))
    monkeypatch.setattr(api_schema, "SCHEMA_FILE", stale)
    with pytest.raises(CommandError, match="out of date"):
        call_command("api_schema", "--check")


def test_served_schema_is_the_committed_one(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    served = response.json()
    assert served["openapi"].startswith("3.")
    assert served == json.loads(api_schema.SCHEMA_FILE.read_text())
    security = served["components"]["securitySchemes"]
    assert security["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": security["TokenAuth"]["description"],
    }


def test_docs_page_uses_only_vendored_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for url in assets:
        assert url.startswith("/static/"), f"{url} is not served by us"
        asset = client.get(url)
        assert asset.status_code == 200, url
        asset.close()
    assert "cdn" not in html.lower()
