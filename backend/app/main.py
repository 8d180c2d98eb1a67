"""The backend application: `uvicorn backend.app.main:app` from the repo root. Here the
features' routers and the process's lifespan are assembled; nothing else."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import get_args

from fastapi import FastAPI
from sqlmodel import Session

from backend.app.accounts import auth_views
from backend.app.accounts import views as agents
from backend.app.alerts import views as alerts
from backend.app.attachments import views as attachments
from backend.app.clients.rasa import rasa_client
from backend.app.complaints import category_views, customer_views, status_lookup
from backend.app.complaints import views as complaints
from backend.app.conversations import consumer as event_consumer
from backend.app.conversations import views as conversations
from backend.app.core import health, log_filters
from backend.app.core import metrics as core_metrics
from backend.app.core.body_limits import BodyLimit
from backend.app.core.db import create_db_engine, run_migrations
from backend.app.core.metrics import Metrics, RequestMetrics
from backend.app.core.settings import PolicyId, Settings
from backend.app.handoff import outreach_views as outreach
from backend.app.handoff import views as handoffs
from backend.app.handoff.hub import console_hub
from backend.app.handoff.metrics import HandoffQueueCollector
from backend.app.mail import views as mail
from backend.app.mail.imap import mailbox_reader
from backend.app.notifications import views as notification_routes
from backend.app.notifications.service import NotificationService
from backend.app.policies import views as policies
from backend.app.policies.profile import load_policies
from backend.app.privacy import views as privacy
from backend.app.reports import page as reports_page
from backend.app.reports import views as reports
from backend.app.reports.metrics import OverdueCollector
from backend.app.staffbot import views as staff_telegram
from backend.app.staffbot.runtime import staff_bot
from backend.app.teams import service as teams_service
from backend.app.teams import views as teams
from backend.app.tracking import views as tracking
from backend.app.tracking.rate_limit import ClientLimit
from backend.app.webchat import views as chat
from backend.app.workspace import api as workspace
from backend.app.workspace import views as console

log = logging.getLogger(__name__)

ROUTERS = (
    health.router,
    core_metrics.router,
    auth_views.router,
    agents.router,
    complaints.router,
    complaints.statuses_router,
    category_views.router,
    teams.router,
    attachments.router,
    status_lookup.router,
    privacy.router,
    policies.router,
    chat.router,
    chat.api_router,
    handoffs.router,
    outreach.router,
    conversations.router,
    console.router,
    workspace.router,
    customer_views.router,
    notification_routes.router,
    alerts.router,
    mail.router,
    tracking.router,
    staff_telegram.router,
    reports.router,
    reports_page.router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    log_filters.install()  # before anything logs: no personal data in any record of the process
    settings = settings or Settings()
    profiles = load_policies()
    missing = set(get_args(PolicyId)) - set(profiles)
    if missing:
        raise RuntimeError(f"policy profiles missing from contract/policies: {sorted(missing)}")
    engine = create_db_engine(settings.database_url)
    metrics = Metrics(collectors=[HandoffQueueCollector(engine), OverdueCollector(engine, lambda: sorted(profiles))])
    notification_service = NotificationService(engine, settings, profiles, metrics=metrics)
    consumer = (
        event_consumer.EventConsumer.from_settings(
            settings, engine, metrics, on_stored=lambda: console_hub(app.state).notify()
        )
        if event_consumer.is_enabled(settings)
        else None
    )

    reader = None
    bot = None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        log_filters.install()
        run_migrations(engine)
        with Session(engine) as session:  # a row per team of the profiles (backend/app/teams)
            teams_service.sync_teams(session=session, policies=profiles)
        settings.attachments_dir.mkdir(parents=True, exist_ok=True)
        notification_service.start()  # APScheduler and the dispatcher, when SCHEDULER_ENABLED
        if consumer is not None:
            await consumer.start()  # connects in the background; /readyz waits for it
        if reader is not None:
            await reader.start()  # the e-mail channel's mailbox (IMAP_URL), in the background
        if bot is not None:
            await bot.start()  # the staff Telegram bot: long polling, or the webhook route
        log.info(
            "backend ready environment=%s default_policy=%s database=%s",
            settings.environment,
            settings.complaint_policy,
            engine.url.render_as_string(hide_password=True),
        )
        yield
        if bot is not None:
            await bot.stop()
        if reader is not None:
            await reader.stop()
        if consumer is not None:
            await consumer.stop()
        notification_service.stop()
        engine.dispose()

    app = FastAPI(title="Complaint backend", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.policies = profiles
    app.state.engine = engine
    app.state.notifications = notification_service
    app.state.metrics = metrics
    app.state.event_consumer = consumer
    # Failed public look-ups per client (memory, or Redis shared by the replicas).
    app.state.lookup_limit = ClientLimit(
        settings.status_lookup_client_limit, settings.rate_limit_storage_url.get_secret_value()
    )
    reader = mailbox_reader(settings, engine, profiles, rasa_client(app.state, settings))
    app.state.mailbox_reader = reader
    bot = staff_bot(settings, app.state)  # None unless STAFF_TELEGRAM_BOT_TOKEN is set
    app.state.staff_bot = bot
    # Every request body is limited to MAX_BODY_BYTES (413 beyond); the upload has its own limit.
    app.add_middleware(
        BodyLimit,
        default_limit=settings.max_body_bytes,
        route_limits={("POST", attachments.UPLOAD_PATH): attachments.upload_body_limit(settings)},
    )
    # Outermost: times every answer, the 413s above included.
    app.add_middleware(RequestMetrics, metrics=metrics)
    for router in ROUTERS:
        app.include_router(router)
    return app


app = create_app()
