"""The console's routes without a browser: the shell in each language, its assets from the package (nothing
from another origin), the development token only outside production."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from civicledger.console import labels, routes
from tests.conftest import make_settings
from tests.console.conftest import chromium_path


async def test_the_shell_and_its_assets_come_from_the_app_alone(console_url: str) -> None:
    async with httpx.AsyncClient(base_url=console_url) as client:
        shell = await client.get("/console/residents/anything")
        english = await client.get("/console?lang=en")
        assets = [await client.get(f"/console/static/{name}") for name in ("console.js", "console.css", "labels.json")]
        token = await client.post("/console/dev-token", json={"label": "inspector"})
        unknown = await client.post("/console/dev-token", json={"label": "root"})
        viewer = await client.post("/graphql", json={"query": "{ viewer { role office } }"},
                                   headers={"Authorization": f"Bearer {token.json()['token']}"})

    assert shell.status_code == 200 and '<html lang="zh-CN">' in shell.text and "居民查询" in shell.text
    assert english.status_code == 200 and '<html lang="en">' in english.text and ">Residents<" in english.text
    assert english.cookies.get("cl_lang") == "en"
    assert "script-src 'self'" in shell.headers["content-security-policy"]
    for page in (shell.text, *(a.text for a in assets)):
        assert not re.search(r"(src|href)=\"(https?:)?//", page)  # no CDN: every asset from this origin
    assert all(a.status_code == 200 for a in assets)
    assert set(labels()["zh"]) == set(labels()["en"])  # every label in both languages
    assert viewer.json() == {"data": {"viewer": {"role": "inspector", "office": "AUDIT-BUREAU"}}}
    assert unknown.status_code == 404


def test_production_mints_no_development_tokens() -> None:
    def paths(settings: Any) -> set[str]:
        return {getattr(r, "path", "") for r in routes(settings)}

    assert "/console/dev-token" in paths(make_settings(environment="development"))
    assert "/console/dev-token" not in paths(make_settings(environment="production"))


def test_a_missing_browser_is_an_error_not_a_skip(monkeypatch: Any) -> None:
    monkeypatch.setenv("CIVICLEDGER_REQUIRE_BROWSER", "1")
    with pytest.raises(RuntimeError, match=r"no Chromium found \(CIVICLEDGER_REQUIRE_BROWSER=1\)"):
        chromium_path(("/nonexistent/chromium", None))
    assert Path(chromium_path()).is_file()
