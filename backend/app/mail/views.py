"""POST /api/mail/outbound: a bot message produced outside a letter's turn (an agent's message
from the console sent through Rasa's tracker API with output_channel=email, the form asking
again after a hand-back, a retried registration) leaves as a threaded letter. The rasa server's
e-mail output channel calls it with SERVICE_TOKEN."""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backend.app.accounts.deps import CurrentService
from backend.app.core.deps import SettingsDep
from backend.app.mail import compose, threads
from backend.app.mail.smtp import AUTO_GENERATED, Mailer, OutLetter, SmtpFailure
from contract.conversation_ids import EMAIL, platform_id

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/mail", tags=["mail"])
RETRY_AFTER_SECONDS = 60


class Button(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    payload: str | None = Field(default=None, max_length=500)


class BotMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str | None = Field(default=None, max_length=20000)
    buttons: list[Button] = Field(default_factory=list, max_length=20)


class OutboundIn(BaseModel):
    conversation_id: Annotated[str, StringConstraints(min_length=4, max_length=200)]
    messages: list[BotMessage] = Field(min_length=1, max_length=50)


class OutboundOut(BaseModel):
    message_id: str


@router.post(
    "/outbound",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "this conversation never wrote to us"},
        HTTPStatus.SERVICE_UNAVAILABLE: {"description": "the SMTP server did not take the letter (Retry-After)"},
    },
)
async def send_outbound(
    body: OutboundIn, _service: CurrentService, settings: SettingsDep, request: Request
) -> OutboundOut:
    """One letter from all the messages, in the conversation's latest thread, in its language."""
    if platform_id(body.conversation_id, EMAIL) is None:
        raise HTTPException(
            HTTPStatus.UNPROCESSABLE_ENTITY, detail="conversation_id: not an e-mail conversation (em:...)"
        )
    mailer = Mailer(settings)
    letter = OutLetter(to="", subject="", text="", message_id=mailer.message_id(), auto_submitted=AUTO_GENERATED)
    engine = request.app.state.engine
    placement = await asyncio.to_thread(threads.place_in_conversation, engine, body.conversation_id, letter)
    if placement is None:
        raise HTTPException(HTTPStatus.NOT_FOUND, detail="this conversation never wrote to us")
    messages = [message.model_dump() for message in body.messages]
    letter.text = compose.answer_text(messages, letter.language or "ru")
    if not letter.text.strip():
        raise HTTPException(HTTPStatus.UNPROCESSABLE_ENTITY, detail="messages: nothing to send")
    try:
        await asyncio.to_thread(mailer.send, letter)
    except SmtpFailure as exc:
        log.warning("outbound letter for a mail conversation not sent: %s", exc)
        return JSONResponse(  # type: ignore[return-value]
            {"detail": "the SMTP server did not take the letter"},
            status_code=HTTPStatus.SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    await asyncio.to_thread(threads.record, engine, letter, placement)
    return OutboundOut(message_id=letter.message_id)
