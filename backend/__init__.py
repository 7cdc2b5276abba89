"""Lastmile: the application factory."""
from __future__ import annotations

import logging
import warnings

from flask import Flask
from werkzeug.routing import IntegerConverter

# Eventlet announces its maintenance mode on import; the project's owner chose it knowingly.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from backend import config as config_module
from backend.extensions import db, limiter, migrate, socketio

log = logging.getLogger(__name__)


class BoundedIdConverter(IntegerConverter):
    """`<int:...>` in URLs: ids beyond what the databases store are simply not found (404)."""

    def __init__(self, url_map, *args, **kwargs):
        from backend.validators import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _import_models() -> None:
    # Every model module is imported before the mappers configure (relationships by name) and
    # before Alembic compares metadata.
    from backend.analytics import models as _analytics  # noqa: F401
    from backend.api import models as _api  # noqa: F401
    from backend.auth import models as _auth  # noqa: F401
    from backend.dispatch import models as _dispatch  # noqa: F401
    from backend.fleet import models as _fleet  # noqa: F401
    from backend.geo import models as _geo  # noqa: F401
    from backend.jobs import models as _jobs  # noqa: F401
    from backend.orders import models as _orders  # noqa: F401
    from backend.notify import models as _notify  # noqa: F401
    from backend.onboarding import models as _onboarding  # noqa: F401
    from backend.customer import models as _customer  # noqa: F401
    from backend.pod import models as _pod  # noqa: F401
    from backend.tracking import models as _tracking  # noqa: F401


def _register_job_handlers() -> None:
    from backend.analytics import jobs as _analytics_jobs  # noqa: F401
    from backend.dispatch import jobs as _dispatch_jobs  # noqa: F401
    from backend.orders import jobs as _orders_jobs  # noqa: F401
    from backend.notify import jobs as _notify_jobs  # noqa: F401  (also hooks the outbox into the lifecycle)
    from backend.routing import jobs as _routing_jobs  # noqa: F401
    from backend.tracking import jobs as _tracking_jobs  # noqa: F401
    from backend.dispatch import order_news

    order_news.install()  # a customer's instructions and order edits reach the driver's open app


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.url_map.converters["int"] = BoundedIdConverter
    from backend import json_input

    app.json = json_input.SafeJSONProvider(app)
    settings = config_module.from_environment()
    settings.update(config or {})
    config_module.apply_derived(settings)
    app.config.update(settings)
    app.instance_path = settings["INSTANCE_PATH"]
    from backend import clock

    if clock.virtual() is not None:
        logging.getLogger(__name__).warning("%s is set: this server runs on a virtual clock (%s), for tests and "
                                            "demos only", clock.ENV_VAR, clock.virtual().setting())

    from backend.green import make_psycopg_cooperative

    make_psycopg_cooperative()
    if app.config.get("TESTING") and app.config.get("FAST_PASSWORD_HASH"):
        from backend.auth import passwords

        passwords.use_test_parameters()
    _import_models()
    from backend.database import install_sqlite_pragmas

    install_sqlite_pragmas()
    from backend.unit_of_work import install_commit_guard

    install_commit_guard()
    db.init_app(app)
    from backend.resources import migrations_dir

    migrate.init_app(app, db, directory=str(migrations_dir()),
                     render_as_batch=True, compare_type=True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    from backend.realtime.origins import origin_check

    socketio.init_app(app, message_queue=settings["REDIS_URL"], channel="lastmile-socketio",
                      async_mode=settings.get("SOCKETIO_ASYNC_MODE"), cors_allowed_origins=origin_check(settings),
                      ping_timeout=settings["SOCKETIO_PING_TIMEOUT"], manage_session=False, json=json_input)

    from backend.jobs import queue
    from backend.realtime import emit

    queue.configure(app.config)
    emit.configure_coalescing(app.config["POSITION_BATCH_MS"] / 1000)
    _register_job_handlers()

    from backend.errors import register_error_handlers

    register_error_handlers(app)
    from backend import request_text

    request_text.install(app)

    from backend.auth import session as auth_session

    auth_session.init_app(app)

    from backend import api
    from backend.auth.principal import require_principal

    api.use_authorizer(require_principal)
    from backend.analytics.views import bp as analytics_bp
    from backend.auth.views import bp as auth_bp
    from backend.dispatch.views import bp as dispatch_bp
    from backend.dispatch.live_views import bp as dispatch_live_bp
    from backend.routing.views import bp as routing_bp
    from backend.tracking.views import bp as tracking_bp
    from backend.fleet.views import bp as fleet_bp
    from backend.jobs.views import bp as jobs_bp
    from backend.openapi import bp as openapi_bp
    from backend.orders.views import bp as orders_bp
    from backend.realtime.views import bp as realtime_bp
    from backend.web import bp as web_bp
    from backend.notify.views import bp as notify_bp
    from backend.customer.views import bp as customer_bp
    from backend.onboarding.views import bp as onboarding_bp

    for blueprint in (auth_bp, fleet_bp, orders_bp, dispatch_bp, dispatch_live_bp, routing_bp, tracking_bp, jobs_bp,
                      openapi_bp, realtime_bp, web_bp, notify_bp, customer_bp, analytics_bp,
                      onboarding_bp):
        app.register_blueprint(blueprint)
    from backend.dispatch.order_desk_views import bp as order_desk_bp
    from backend.dispatch.print_views import bp as print_bp

    app.register_blueprint(order_desk_bp)
    app.register_blueprint(print_bp)
    from backend.dispatch.route_action_views import bp as route_actions_bp

    app.register_blueprint(route_actions_bp)

    from backend import headers

    headers.init_app(app)  # CSP, frame and sniffing rules on every answer
    from backend.public_url import install_proxy_fix

    install_proxy_fix(app)  # last: it wraps Socket.IO's middleware too

    from backend.realtime import namespaces as _namespaces  # noqa: F401  (registers socket handlers)
    from backend.customer import events as _customer_events  # noqa: F401  (who a tracking link lets in)
    from backend.dispatch import events as _dispatch_events  # (drivers' and dispatchers' events)

    _dispatch_events.install()
    from backend import cli

    cli.init_app(app)
    from backend.practice import init_cli as practice_cli

    practice_cli(app)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


from backend.jobs import tasks as _job_tasks  # noqa: E402  (a worker process makes its app with create_app)

_job_tasks.use_app_factory(create_app)
