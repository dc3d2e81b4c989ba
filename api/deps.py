"""Shared FastAPI dependencies: the container, a database session, and who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from agent.auth.keys import Principal, Role, authenticate
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
    with Session(container.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    principal = authenticate(session, credentials.credentials) if credentials else None
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid API key is required: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    session.commit()  # keeps last_used_at
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_lead(principal: PrincipalDep) -> Principal:
    if principal.role not in (Role.LEAD, Role.ADMIN):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs a lead or admin key")
    return principal


LeadDep = Annotated[Principal, Depends(require_lead)]


def require_admin(principal: PrincipalDep) -> Principal:
    if principal.role != Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs an admin key")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
