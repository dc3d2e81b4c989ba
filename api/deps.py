"""Shared FastAPI dependencies: the container, a database session, and who is asking."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, ClassVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from agent.audit.log import Actor, Via
from agent.auth.keys import Principal, Refusal, Role, verify
from agent.auth.throttle import SignInAttempt
from agent.core.errors import Forbidden, Unauthorized
from agent.core.transactions import transaction, unit_of_work
from agent.processing.runner import Runner
from api.composition import Container

bearer = HTTPBearer(auto_error=False, description="An API key from `callsight keys create`.")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_runner(request: Request) -> Runner:
    runner: Runner = request.app.state.runner
    return runner


ContainerDep = Annotated[Container, Depends(get_container)]
RunnerDep = Annotated[Runner, Depends(get_runner)]


def get_session(container: ContainerDep) -> Iterator[Session]:
    """The request's one transaction: committed when the route returns, rolled back when it
    raises; then the work the services registered for after the commit runs."""
    with Session(container.engine) as session, transaction(session):
        yield session


# scope="function": the commit happens when the route returns, before the response is sent, so a
# client that reads right after the answer sees the change (the default waits for the send).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


MISSING_KEY = "a valid API key is required: send 'Authorization: Bearer <key>'"


class MissingApiKey(Unauthorized):
    headers: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": "Bearer"}


def client_address(request: Request) -> str:
    """The address the request came from, as the server saw it (a proxy's own unless the
    server trusts its X-Forwarded-For: uvicorn's --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def get_principal(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Who is asking, read in a transaction of its own: the route's session opens only when it
    first queries, so an upload holds no connection while its body streams in. A client over
    its limit of failed checks gets 429, even with a right key, until its window passes."""
    if not credentials:
        raise MissingApiKey(MISSING_KEY)
    attempt = SignInAttempt.of(client_address(request), credentials.credentials)
    container.throttle.check(attempt)
    with unit_of_work(container.engine) as session:
        verdict = verify(session, credentials.credentials)
    if isinstance(verdict, Refusal):
        container.throttle.failed(attempt, verdict)
        raise MissingApiKey(MISSING_KEY)
    return verdict


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def api_actor(request: Request, principal: PrincipalDep) -> Actor:
    """Who is asking, as the audit log names them."""
    return Actor.of(principal, Via.API, client_address(request))


ActorDep = Annotated[Actor, Depends(api_actor)]


def require_lead(principal: PrincipalDep) -> Principal:
    if principal.role not in (Role.LEAD, Role.ADMIN):
        raise Forbidden("this needs a lead or admin key")
    return principal


LeadDep = Annotated[Principal, Depends(require_lead)]


def require_admin(principal: PrincipalDep) -> Principal:
    if principal.role != Role.ADMIN:
        raise Forbidden("this needs an admin key")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
