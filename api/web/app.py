"""Mounting the pages on the FastAPI app: routes, static files, HTML error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.core.errors import CallsightError
from api.errors import error_json
from api.web import (
    action_items,
    admin,
    customers,
    dashboard,
    forms,
    i18n,
    pages,
    transcripts,
    vendor,
)
from api.web.auth import NeedsSignIn
from api.web.form_checks import readable
from api.web.i18n import N_
from api.web.rendering import render

MACHINE_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/docs", "/openapi.json")
TITLES = {
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Not now"),
    413: N_("Too large"),
    415: N_("Not audio"),
    422: N_("Check the form"),
    429: N_("Too many tries"),
}
UNTITLED = N_("Something went wrong")


def install_web(app: FastAPI) -> None:
    app.add_middleware(i18n.PageLanguage)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(customers.router)
    app.include_router(forms.router)
    app.include_router(action_items.router)
    app.include_router(transcripts.router)
    app.include_router(dashboard.router)
    app.include_router(admin.router)
    app.include_router(vendor.router)
    app.add_exception_handler(NeedsSignIn, _to_sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _error_page)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_form_page)  # type: ignore[arg-type]
    # Replaces the JSON-only handler of api/errors.py: pages get HTML, machines still get JSON.
    app.add_exception_handler(CallsightError, _callsight_error_page)  # type: ignore[arg-type]


async def _to_sign_in(request: Request, error: NeedsSignIn) -> Response:
    if request.headers.get("accept", "").startswith("application/json"):
        return Response('{"detail": "sign in again"}', 401, media_type="application/json")
    return RedirectResponse(error.location, 303)


def _wants_json(request: Request) -> bool:
    wants_json = "text/html" not in request.headers.get("accept", "")
    return request.url.path.startswith(MACHINE_PREFIXES) or wants_json


async def _error_page(request: Request, error: StarletteHTTPException) -> Response:
    if _wants_json(request):
        return await http_exception_handler(request, error)
    return _page(request, error.status_code, str(error.detail))


async def _invalid_form_page(request: Request, error: RequestValidationError) -> Response:
    """A form a browser sent with a wrong field: the error page says which, never raw JSON."""
    if _wants_json(request):
        return await request_validation_exception_handler(request, error)
    return _page(request, 422, readable(error.errors()))


async def _callsight_error_page(request: Request, error: CallsightError) -> Response:
    """The one HTML mapping of domain errors: the error page with the error's message."""
    if _wants_json(request):
        return error_json(error)
    page = _page(request, error.status_code, error.message)
    page.headers.update(error.response_headers())
    return page


def _page(request: Request, code: int, message: str) -> Response:
    title = i18n.gettext(TITLES.get(code, UNTITLED))
    return render(request, "error.html", None, code, title=title, message=message, code=code)
