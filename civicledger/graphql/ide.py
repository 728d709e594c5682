"""GraphiQL served from the package (static/README.md: versions, licences): no CDN, a Token field for the
bearer token."""

from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/graphql/assets"


def graphiql_html(assets: str = ASSETS_PATH) -> str:
    return (STATIC / "graphiql.html").read_text(encoding="utf-8").format(assets=assets)


def assets() -> StaticFiles:
    return StaticFiles(directory=STATIC)
