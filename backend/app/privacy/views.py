"""An admin exports or erases one customer's personal data. The customer is named in the
request body (never in the URL, which access logs keep); both actions enter each complaint's
history."""

import logging
from http import HTTPStatus

from fastapi import APIRouter, HTTPException

from backend.app.accounts.deps import CurrentAdmin
from backend.app.complaints.presenters import complaint_detail
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.errors import invalid
from backend.app.core.models import utcnow
from backend.app.policies.deps import PoliciesDep
from backend.app.privacy import service
from backend.app.privacy.models import DataSubject, ErasureResult, PersonalDataExport
from backend.app.privacy.rasa_tracker import TrackerStoreUnavailable

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/privacy", tags=["privacy"])


def _phones(subject: DataSubject, policies: PoliciesDep) -> set[str]:
    if subject.phone is None:
        return set()
    try:
        return service.phone_candidates(subject.phone, policies)
    except ValueError as exc:
        raise invalid("body", "phone", str(exc)) from None


@router.post("/export")
def export_personal_data(
    subject: DataSubject, session: SessionDep, admin: CurrentAdmin, policies: PoliciesDep
) -> PersonalDataExport:
    """Every complaint with this phone number or e-mail address, in full (history, notes,
    attachments' metadata); an empty list when there is none."""
    complaints = service.find_complaints(session=session, phones=_phones(subject, policies), email=subject.email)
    now = utcnow()
    service.record_export(session=session, complaints=complaints, actor=admin.actor, now=now)
    log.info("personal data exported complaints=%d by=%s", len(complaints), admin.actor)
    return PersonalDataExport(
        exported_at=now,
        complaints=[complaint_detail(complaint, policies[complaint.policy], now=now) for complaint in complaints],
    )


@router.post(
    "/erase",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "no complaint has this phone or e-mail"},
        HTTPStatus.SERVICE_UNAVAILABLE: {"description": "Rasa's tracker store is unreachable; nothing was erased"},
    },
)
def erase_personal_data(
    subject: DataSubject, session: SessionDep, admin: CurrentAdmin, policies: PoliciesDep, settings: SettingsDep
) -> ErasureResult:
    """Erases the person from every complaint with this phone number or e-mail address:
    name, contacts, free texts and files go, the person's data in history notes is replaced;
    the complaints stay, with their statuses and dates, for the statistics. The complaints'
    conversations go, from the transcripts and from Rasa's tracker store."""
    phones = _phones(subject, policies)
    complaints = service.find_complaints(session=session, phones=phones, email=subject.email)
    if not complaints:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="no complaint has this phone number or e-mail")
    now = utcnow()
    tracker_url = settings.rasa_tracker_url.get_secret_value() if settings.rasa_tracker_url else None
    try:
        erasure = service.erase(
            session=session,
            complaints=complaints,
            extra_phones=phones,
            extra_email=subject.email,
            attachments_dir=settings.attachments_dir,
            tracker_url=tracker_url,
            actor=admin.actor,
            now=now,
        )
    except TrackerStoreUnavailable:
        raise HTTPException(
            status_code=HTTPStatus.SERVICE_UNAVAILABLE,
            detail="the conversations' store (Rasa's tracker store) is unreachable; nothing was erased, try again",
        ) from None
    log.info(
        "personal data erased complaints=%d attachments=%d by=%s",
        len(erasure.tracking_numbers),
        erasure.files_removed,
        admin.actor,
    )
    return ErasureResult(
        erased_at=now, tracking_numbers=erasure.tracking_numbers, attachments_removed=erasure.files_removed
    )
