"""The pages people read: sign-in, calls, a call's review page, a customer's history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent.audit import log as audit
from agent.audit.log import Action, Actor, Via
from agent.auth.keys import Refusal, verify
from agent.auth.throttle import SignInAttempt
from agent.auth.web_sessions import SignedIn, sign_out, start_session
from agent.calls import service as calls
from agent.calls.exports import TranscriptFormat
from agent.calls.owner_choices import owner_choices
from agent.calls.views import call_detail
from agent.core.call_states import EDITABLE_STATUSES, CallStatus
from agent.core.domain import Priority, Resolution, Speaker
from agent.core.errors import InvalidInput
from agent.core.tables import ApiKey
from api.deps import ContainerDep, SessionDep, client_address
from api.ids import existing_id
from api.routes.audio import audio_response, record_listen
from api.web import i18n
from api.web.auth import COOKIE, FormVisitorDep, VisitorDep, WebActorDep, visible_call_or_404
from api.web.form_checks import CallListQuery
from api.web.forms import EDITORS
from api.web.i18n import N_
from api.web.rendering import clock, day_bounds, list_rows, render, sent_times

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
NO_PAGE = N_("There is no such page of calls.")
SORTS = {
    calls.CallSort.CALL_TIME_DESC: N_("newest call first"),
    calls.CallSort.CALL_TIME_ASC: N_("oldest call first"),
    calls.CallSort.UPLOAD_TIME_DESC: N_("latest upload first"),
    calls.CallSort.UPLOAD_TIME_ASC: N_("earliest upload first"),
}


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a link bounce users anywhere.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/calls"


@router.get("/language/{language}")
def choose_language(language: str, next: str = "/calls") -> RedirectResponse:
    """The header's language switch: remembered in a cookie for a year, then back to the page."""
    if language not in i18n.LANGUAGES:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            i18n.gettext("There is no language %(code)s.") % {"code": repr(language)},
        )
    response = RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        i18n.LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", httponly=True
    )
    return response


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/calls", status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/calls") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next))


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    container: ContainerDep,
    api_key: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/calls",
) -> Response:
    """Exchange an API key for a session cookie, under the same throttle as the API's keys."""
    attempt = SignInAttempt.of(client_address(request), api_key.strip())
    container.throttle.check(attempt)
    verdict = verify(session, api_key.strip())
    if isinstance(verdict, Refusal):
        container.throttle.failed(attempt, verdict)
        return render(
            request,
            "login.html",
            None,
            status.HTTP_401_UNAUTHORIZED,
            next=_safe_next(next),
            error=i18n.gettext("That API key is not valid (or was revoked)."),
        )
    actor = Actor.of(verdict, Via.WEB, attempt.address)
    audit.record(session, actor, Action.SIGNED_IN)
    response = RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        start_session(session, verdict),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=12 * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, visitor: FormVisitorDep) -> RedirectResponse:
    sign_out(session, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE)
    return response


@router.get("/calls", response_class=HTMLResponse)
def calls_page(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    """The calls the visitor may see; blank filters mean any, wrong ones are explained."""
    typed = dict(request.query_params)
    try:
        query = CallListQuery.read(typed)
    except InvalidInput as error:
        return _calls_view(request, visitor, typed, status.HTTP_422_UNPROCESSABLE_CONTENT, error)
    filters = calls.CallFilters(
        query.status,
        query.customer,
        query.agent,
        day_bounds(query.date_from),
        day_bounds(query.date_to, end=True),
        query.q,
    )
    page = query.page or 1
    found, total = calls.list_calls(
        session, filters, visitor.principal, PAGE_SIZE, _offset(page), query.order
    )
    shown = query.model_dump(exclude={"page"}, exclude_none=True, mode="json")
    return _calls_view(
        request,
        visitor,
        shown,
        rows=list_rows(session, found),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        prev_url=_page_url(shown, page - 1) if page > 1 else None,
        next_url=_page_url(shown, page + 1) if page * PAGE_SIZE < total else None,
    )


def _calls_view(
    request: Request,
    visitor: SignedIn,
    shown: Mapping[str, object],
    status_code: int = status.HTTP_200_OK,
    error: InvalidInput | None = None,
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        "calls.html",
        visitor,
        status_code,
        nav="calls",
        filters=shown,
        statuses=[s.value for s in CallStatus],
        sorts=SORTS,
        sort=shown.get("sort") or calls.CallSort.CALL_TIME_DESC.value,
        error=error.message if error else None,
        **({"rows": [], "total": 0} | context),
    )


def _offset(page: int) -> int:
    """Calls before ``page``; a page past any a database could hold is not found."""
    first_call = (page - 1) * PAGE_SIZE + 1
    return existing_id(first_call, i18n.gettext(NO_PAGE)) - 1


def _page_url(filters: Mapping[str, object], page: int) -> str:
    given = {name: str(value) for name, value in filters.items() if value}
    return f"/calls?{urlencode({**given, 'page': page})}"


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_page(
    request: Request,
    call_id: str,
    session: SessionDep,
    visitor: VisitorDep,
    actor: WebActorDep,
    container: ContainerDep,
) -> HTMLResponse:
    call = visible_call_or_404(session, call_id, visitor)
    audit.record_read(container.engine, actor, Action.CALL_VIEWED, call.id)
    approver = session.get(ApiKey, call.approved_by_key_id) if call.approved_by_key_id else None
    detail = call_detail(session, call)
    editable = CallStatus(call.status) in EDITABLE_STATUSES and visitor.principal.sees_all_calls
    # Known users are offered only to those who may give them work: the editors.
    owners = owner_choices(session, call, detail.speakers) if editable else []
    return render(
        request,
        "call.html",
        visitor,
        nav="calls",
        call=detail,
        call_language=detail.language or i18n.request_language(request),
        customer_id=call.customer_id,
        length=clock(call.duration_s),
        sent_at=sent_times(detail),
        editable=editable,
        owners=owners,
        default_owner=next((o.label for o in owners if o.role == Speaker.AGENT), "agent"),
        can_name_speakers=visitor.principal.role in EDITORS and bool(detail.speakers),
        voices={speaker.speaker: speaker for speaker in detail.speakers},
        roles=[speaker.value for speaker in Speaker],
        transcript_formats=list(TranscriptFormat),
        can_approve=call.status == CallStatus.REVIEW and visitor.principal.sees_all_calls,
        resolutions=[r.value for r in Resolution],
        priorities=[p.value for p in Priority],
        item_statuses=["open", "done"],
        approved_by=approver.name if approver else None,
        approved_at=call.approved_at,
    )


@router.get("/calls/{call_id}/state")
def call_state(call_id: str, session: SessionDep, visitor: VisitorDep) -> dict[str, str | None]:
    """For the pages' live status: where the call is, and why it failed if it did."""
    call = visible_call_or_404(session, call_id, visitor)
    return {"status": call.status, "failure_reason": call.failure_reason}


@router.get("/calls/{call_id}/audio")
def call_audio(
    call_id: str,
    request: Request,
    session: SessionDep,
    visitor: VisitorDep,
    actor: WebActorDep,
    container: ContainerDep,
) -> Response:
    call = visible_call_or_404(session, call_id, visitor)
    response = audio_response(container, call)
    record_listen(container, request, actor, call)
    return response
