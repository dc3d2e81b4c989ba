"""Who is signed in to the pages, and CSRF checks for everything that changes state."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from sqlmodel import Session

from agent.audit.log import Actor, Via
from agent.auth.keys import Principal, Role
from agent.auth.web_sessions import SignedIn, signed_in
from agent.calls.service import require_visible
from agent.core.errors import Forbidden
from agent.core.tables import Call
from agent.core.transactions import unit_of_work
from api.deps import ContainerDep, client_address
from api.web.i18n import gettext
from api.web.wording import term

COOKIE = "callsight_session"
CSRF_HEADER = "x-csrf-token"


class NeedsSignIn(Exception):
    """Raised by page dependencies; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.location = f"/login?next={quote(next_path, safe='/')}"


def current_visitor(request: Request, container: ContainerDep) -> SignedIn:
    """The signed-in visitor, read in a transaction of its own (see ``get_principal``)."""
    token = request.cookies.get(COOKIE)
    visitor = None
    if token:
        with unit_of_work(container.engine) as session:
            visitor = signed_in(session, token)
    if visitor is None:
        raise NeedsSignIn(request.url.path)
    return visitor


VisitorDep = Annotated[SignedIn, Depends(current_visitor)]


def _same(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def checked_form_visitor(
    visitor: VisitorDep, csrf_token: Annotated[str | None, Form()] = None
) -> SignedIn:
    """The visitor, for a form post that carries the session's CSRF token."""
    if not _same(visitor.csrf_token, csrf_token):
        raise Forbidden(gettext("the form expired; reload the page"))
    return visitor


def checked_script_visitor(request: Request, visitor: VisitorDep) -> SignedIn:
    """The visitor, for a script request that carries the CSRF token in a header."""
    if not _same(visitor.csrf_token, request.headers.get(CSRF_HEADER)):
        raise Forbidden(gettext("the page expired; reload it"))
    return visitor


def web_actor(request: Request, visitor: VisitorDep) -> Actor:
    """The signed-in visitor, as the audit log names them."""
    return Actor.of(visitor.principal, Via.WEB, client_address(request))


WebActorDep = Annotated[Actor, Depends(web_actor)]
FormVisitorDep = Annotated[SignedIn, Depends(checked_form_visitor)]
ScriptVisitorDep = Annotated[SignedIn, Depends(checked_script_visitor)]


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        names = gettext(" or ").join(term(role) for role in roles)
        raise Forbidden(gettext("this needs the %(roles)s role") % {"roles": names})


def visible_call_or_404(session: Session, call_id: str, visitor: SignedIn) -> Call:
    """The call if the visitor may see it; otherwise 404, so others' calls stay unknown."""
    message = gettext("There is no such call, or it is not yours.")
    return require_visible(session, call_id, visitor.principal, message)
