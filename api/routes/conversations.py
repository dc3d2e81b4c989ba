"""HTTP route for text conversations: a chat, email thread or SMS exchange sent as JSON."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from agent.audit import log as audit
from agent.audit.log import Action
from agent.calls import use_cases
from agent.calls.conversations import MAX_BODY_BYTES, ConversationIn
from agent.calls.views import CallDetail, call_detail
from agent.core.errors import PayloadTooLarge
from api.deps import ActorDep, ContainerDep, PrincipalDep, RunnerDep, SessionDep
from api.error_responses import errors

router = APIRouter(prefix="/api/v1", tags=["calls"])


def refuse_oversized(request: Request) -> None:
    """413 for a body that declares itself larger than any conversation may be."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"the conversation is larger than the {MAX_BODY_BYTES / 1048576:g} MB limit; "
            "send a shorter one"
        )


@router.post(
    "/conversations",
    status_code=status.HTTP_201_CREATED,
    response_model=CallDetail,
    responses=errors(400, 401, 413, 422),
    dependencies=[Depends(refuse_oversized)],
)
def post_conversation(
    body: ConversationIn,
    session: SessionDep,
    principal: PrincipalDep,
    actor: ActorDep,
    runner: RunnerDep,
    container: ContainerDep,
) -> CallDetail:
    """A chat, email thread or SMS exchange, summarised and synced like a call (no audio)."""
    container.throttle.count_upload(principal.key_id)
    call = use_cases.receive_conversation(session, body, principal, runner)
    audit.record(session, actor, Action.CALL_UPLOADED, call.id, call.original_filename)
    return call_detail(session, call)
