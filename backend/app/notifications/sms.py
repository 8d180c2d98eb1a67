"""SMS through Twilio's Messages API: `POST {TWILIO_API_BASE_URL}/2010-04-01/Accounts/{sid}/
Messages.json` with the form fields To, From, Body and HTTP basic auth (account SID, auth
token); 201 with the message's JSON (its `sid`) means accepted. The `sms` route uses it when
TWILIO_SMS_FROM, TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set (`sms_sender`), else the
generic gateway of senders.py.

Plain httpx on the senders' HttpPool rather than the twilio package: one request, and the
dispatcher's own retries. 429 and 5xx are transient (Retry-After honoured), any other 4xx
permanent. Twilio takes no idempotency key: a send whose answer was lost is sent again.

What is recorded (the attempt's detail, errors) is the message sid or Twilio's error code,
never the text: a registration SMS carries the PIN.
"""

from __future__ import annotations

from typing import Any

import httpx

from backend.app.core.settings import Settings
from backend.app.notifications.outgoing import HttpPool, Outgoing, Permanent, http_error, response_error

ROUTE = "twilio"


class TwilioSmsSender:
    name = "sms"

    def __init__(self, settings: Settings, http: HttpPool) -> None:
        self.settings = settings
        self.http = http

    async def send(self, message: Outgoing) -> str:
        settings = self.settings
        if not (settings.twilio_sms_enabled and settings.twilio_auth_token is not None):
            raise Permanent("Twilio SMS not configured (TWILIO_SMS_FROM, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
        if not message.phone:
            raise Permanent("no phone number")
        sid = settings.twilio_account_sid
        url = f"{settings.twilio_api_base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        try:
            response = await self.http.get(message.notification_id).post(
                url,
                data={"To": message.phone, "From": settings.twilio_sms_from, "Body": message.text},
                auth=(str(sid), settings.twilio_auth_token.get_secret_value()),
            )
        except httpx.HTTPError as exc:
            raise http_error(ROUTE, exc) from None
        if response.status_code not in (200, 201):
            error = response_error(ROUTE, response)
            code = _error_code(response)
            if code is None:
                raise error
            raise type(error)(f"{error} (error {code})", retry_after=error.retry_after)
        return f"twilio message {_json(response).get('sid') or '?'}"


def sms_sender(settings: Settings, http: HttpPool, fallback: type) -> Any:
    """The `sms` route's sender: Twilio when configured, else `fallback` (SMS_SENDER)."""
    return TwilioSmsSender(settings, http) if settings.twilio_sms_enabled else fallback(settings, http)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_code(response: httpx.Response) -> int | None:
    """Twilio's own error code (21211: not a valid number, 21610: the customer sent STOP, ...)."""
    code = _json(response).get("code")
    return code if isinstance(code, int) else None
