import logging

from fastapi import APIRouter, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend.app.deps import SessionDep
from backend.app.models import HealthStatus

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/healthz", responses={503: {"model": HealthStatus}})
def healthz(session: SessionDep, response: Response) -> HealthStatus:
    try:
        session.scalar(text("SELECT 1"))
    except SQLAlchemyError:
        log.warning("health check: database unreachable", exc_info=True)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthStatus(status="unavailable")
    return HealthStatus(status="ok")
