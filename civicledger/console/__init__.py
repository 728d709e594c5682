"""The caseworker console (issue 18): a small web console served by the API's own app under `/console`.

It is the integrators' reference client: the pages are a server-rendered HTML shell and plain JavaScript that
calls the public GraphQL API (`/graphql` over fetch, `timelineEvents` over `graphql-transport-ws`) with the
signed-in bearer token — nothing here reads the database. Every asset comes from this package (no CDN, no
build step). In development a role picker mints one of the demo principals' tokens (`POST /console/dev-token`,
the same principals `civicledger demo` prints); in production the caseworker pastes a token."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from civicledger.core.auth import Role, Scope, issue_token
from civicledger.settings import Settings

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
PATH = "/console"
LANGUAGES = ("zh", "en")
DEV_TOKEN_TTL_S = 12 * 3600

# Served with every console page: scripts, styles and connections only to this origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def labels() -> dict[str, dict[str, str]]:
    """Every label of the console in Chinese and English (`static/labels.json`, one source for the shell and
    the script)."""
    return json.loads((STATIC / "labels.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def demo_principals() -> list[dict[str, Any]]:
    """The principals a development role picker offers: the ones `civicledger demo` prints tokens for."""
    from civicledger.cli import DEMO_PRINCIPALS  # the CLI builds the app: imported when asked, not at import

    return [{"label": label, "subject": subject, "role": role.value, "district": district, "office": office,
             "scopes": sorted(s.value for s in (scopes if scopes is not None else _default_scopes(role)))}
            for label, subject, role, district, office, scopes in DEMO_PRINCIPALS]


def _default_scopes(role: Role) -> frozenset[Scope]:
    from civicledger.core.auth import DEFAULT_SCOPES

    return DEFAULT_SCOPES[role]


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def picks_roles(settings: Settings) -> bool:
    """Whether the role picker (and its token mint) is served: only in an environment named exactly
    `development` — not in one an operator called `staging`, `prod` or `Production`, which `is_development`
    (anything but `production`) would let through with the real JWT secret."""
    return settings.environment == "development"


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("cl_lang") or "zh"
    return chosen if chosen in LANGUAGES else "zh"


def render_shell(settings: Settings, lang: str) -> str:
    """The page every console address answers with: navigation and sign-in rendered here in the reader's
    language; the script fills `<main>` from the API."""
    text = labels()[lang]
    dev = picks_roles(settings)
    config = {"lang": lang, "dev": dev, "graphql": "/graphql", "base": PATH,
              "labels": text, "principals": demo_principals() if dev else []}
    page = (TEMPLATES / "shell.html").read_text(encoding="utf-8")
    values = {key: html.escape(value) for key, value in text.items()}
    values["lang_attr"] = "zh-CN" if lang == "zh" else "en"
    values["other_lang"] = "en" if lang == "zh" else "zh"
    # Inside <script type="application/json">, read as text: only "<" (as in "</script>") needs escaping.
    values["config"] = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c").replace("&", "\\u0026")
    return page.format_map(values)


def routes(settings: Settings) -> list[BaseRoute]:
    """The console's routes, to be added to the app's."""

    async def shell(request: Request) -> Response:
        lang = language(request)
        response = HTMLResponse(render_shell(settings, lang), headers=SECURITY_HEADERS)
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie("cl_lang", lang, max_age=365 * 24 * 3600, samesite="strict", path=PATH)
        return response

    async def dev_token(request: Request) -> Response:
        """Development only: a token for one of the demo principals (by label), to a caller on this machine."""
        if request.client is None or request.client.host not in LOOPBACK:
            return JSONResponse({"error": "not found", "code": "NOT_FOUND"}, status_code=404)
        try:
            body = await request.json()
        except ValueError:
            body = None
        label = body.get("label") if isinstance(body, dict) else None
        for label_, subject, role, district, office, scopes in _principals():
            if label_ == label:
                token = issue_token(settings.jwt_secret, subject=subject, role=role, district=district,
                                    office=office, scopes=scopes, ttl_seconds=DEV_TOKEN_TTL_S)
                return JSONResponse({"token": token}, headers={"Cache-Control": "no-store"})
        return JSONResponse({"error": "unknown principal", "code": "NOT_FOUND"}, status_code=404)

    found: list[BaseRoute] = [Mount(f"{PATH}/static", app=StaticFiles(directory=STATIC), name="console-static")]
    if picks_roles(settings):
        found.append(Route(f"{PATH}/dev-token", dev_token, methods=["POST"]))
    found += [Route(PATH, shell), Route(PATH + "/{path:path}", shell)]
    return found


def _principals() -> Any:
    from civicledger.cli import DEMO_PRINCIPALS

    return DEMO_PRINCIPALS
