"""One configuration, read from the environment with safe defaults.

Every setting here is listed in the README's configuration table; a setting that is not read from
the environment does not exist.
"""
from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def instance_path() -> Path:
    from backend.resources import default_instance

    return Path(os.environ.get("INSTANCE_PATH") or default_instance())


def load_or_create_secret(folder: Path) -> str:
    """A secret generated once into the instance folder, so sessions survive restarts."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # Two processes starting together must agree on one key: the first writer wins.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment() -> dict:
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "INSTANCE_PATH": str(folder),
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": _int("PORT", 5000),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'lastmile.db'}",
        "REDIS_URL": redis_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or load_or_create_secret(folder),
        "TIMEZONE": os.environ.get("TIMEZONE", "America/Montreal"),
        # Read by validators.normalize_phone: the country of numbers written without +country code.
        "DEFAULT_PHONE_REGION": os.environ.get("DEFAULT_PHONE_REGION", "CA"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_RATE_LIMIT_PER_IP": os.environ.get("LOGIN_RATE_LIMIT_PER_IP", "100 per minute"),
        # Per-login lockout (backend/auth/lockout.py): after this many failures, locked for BASE seconds,
        # doubling per further failure up to MAX.
        "LOGIN_LOCKOUT_AFTER": _int("LOGIN_LOCKOUT_AFTER", 5),
        "LOGIN_LOCKOUT_BASE_S": _int("LOGIN_LOCKOUT_BASE_S", 60),
        "LOGIN_LOCKOUT_MAX_S": _int("LOGIN_LOCKOUT_MAX_S", 3600),
        "GEOCODER_URL": os.environ.get("GEOCODER_URL") or None,
        "GEOCODER_USER_AGENT": os.environ.get("GEOCODER_USER_AGENT", "lastmile/0.1 (self-hosted)"),
        "OSRM_URL": os.environ.get("OSRM_URL") or None,
        "JOBS_WORKERS": _int("JOBS_WORKERS", 2),
        "EMBEDDED_WORKER": _bool("EMBEDDED_WORKER", redis_url is None),
        "JOBS_LEASE_S": _float("JOBS_LEASE_S", 30.0),
        "MAX_UPLOAD_MB": _int("MAX_UPLOAD_MB", 20),
        "IMPORT_MAX_ROWS": _int("IMPORT_MAX_ROWS", 20000),
        "DEMO_SEED": _int("DEMO_SEED", 7),
        "SQL_ECHO": _bool("SQL_ECHO", False),
        "DATABASE_POOL_SIZE": _int("DATABASE_POOL_SIZE", 10),
        "DATABASE_MAX_OVERFLOW": _int("DATABASE_MAX_OVERFLOW", 20),
        "SOCKETIO_PING_TIMEOUT": _float("SOCKETIO_PING_TIMEOUT", 20.0),
        # Pages of other origins that may open sockets (comma-separated, e.g. https://ops.example.com);
        # the server's own origin and PUBLIC_BASE_URL's always may.
        "SOCKETIO_ALLOWED_ORIGINS": os.environ.get("SOCKETIO_ALLOWED_ORIGINS", ""),
        # How often each web process disconnects the sockets of sessions revoked meanwhile.
        "SESSION_REVOCATION_CHECK_S": _float("SESSION_REVOCATION_CHECK_S", 2.0),
        "WSGI_MAX_CONNECTIONS": _int("WSGI_MAX_CONNECTIONS", 4096),
        # Customer communication (backend/notify, backend/customer).
        # Unset: links follow the address the server is reached on (backend/public_url.py).
        "PUBLIC_BASE_URL": (os.environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        # Proxies in front of the server whose X-Forwarded-* headers are believed (0: none, the headers are ignored).
        "TRUSTED_PROXY_HOPS": _int("TRUSTED_PROXY_HOPS", 0),
        "TRACKING_LINK_DAYS": _int("TRACKING_LINK_DAYS", 14),
        "IDEMPOTENCY_KEY_HOURS": _int("IDEMPOTENCY_KEY_HOURS", 24),
        "TRACK_RATE_LIMIT": os.environ.get("TRACK_RATE_LIMIT", "120 per minute"),
        "TRACK_WRITE_RATE_LIMIT": os.environ.get("TRACK_WRITE_RATE_LIMIT", "20 per minute"),
        "NOTIFY_DELAY_THRESHOLD_S": _int("NOTIFY_DELAY_THRESHOLD_S", 900),
        "NOTIFY_QUIET_HOURS": os.environ.get("NOTIFY_QUIET_HOURS", "21:00-08:00"),
        "NOTIFY_MAX_PER_ORDER_DAY": _int("NOTIFY_MAX_PER_ORDER_DAY", 5),
        "NOTIFY_MIN_GAP_S": _int("NOTIFY_MIN_GAP_S", 120),
        "NOTIFY_MAX_ATTEMPTS": _int("NOTIFY_MAX_ATTEMPTS", 8),
        "NOTIFY_RETRY_BASE_S": _float("NOTIFY_RETRY_BASE_S", 30.0),
        "NOTIFY_RETRY_MAX_S": _float("NOTIFY_RETRY_MAX_S", 3600.0),
        "NOTIFY_LEASE_S": _int("NOTIFY_LEASE_S", 60),
        "NOTIFY_BATCH_SIZE": _int("NOTIFY_BATCH_SIZE", 50),
        "NOTIFY_HTTP_TIMEOUT_S": _float("NOTIFY_HTTP_TIMEOUT_S", 10.0),
        "SMS_PROVIDER": os.environ.get("SMS_PROVIDER", "console"),
        # Cents per SMS segment, a decimal (Twilio to Canadian numbers: about 1.1 cents CAD).
        "SMS_SEGMENT_COST_CENTS": str(Decimal(os.environ.get("SMS_SEGMENT_COST_CENTS") or "1.1")),
        "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID") or None,
        "TWILIO_AUTH_TOKEN": os.environ.get("TWILIO_AUTH_TOKEN") or None,
        "TWILIO_FROM": os.environ.get("TWILIO_FROM") or None,
        "TWILIO_BASE_URL": (os.environ.get("TWILIO_BASE_URL") or "https://api.twilio.com").rstrip("/"),
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": _int("SMTP_PORT", 587),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_FROM": os.environ.get("SMTP_FROM", "Lastmile <no-reply@localhost>"),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", True),
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT", "mailto:admin@localhost"),
        # The outbound guard (backend/outbound.py): what webhooks, web push, OSRM, the geocoder and the
        # SMS gateway may reach. Off by default: https to public addresses only.
        "OUTBOUND_ALLOW_HTTP": _bool("OUTBOUND_ALLOW_HTTP", False),
        "OUTBOUND_ALLOWED_NETWORKS": os.environ.get("OUTBOUND_ALLOWED_NETWORKS", ""),
        "STORAGE_PATH": os.environ.get("STORAGE_PATH") or None,
        "STORAGE_S3_BUCKET": os.environ.get("STORAGE_S3_BUCKET") or None,
        "STORAGE_S3_ENDPOINT": os.environ.get("STORAGE_S3_ENDPOINT") or None,
        "STORAGE_S3_REGION": os.environ.get("STORAGE_S3_REGION") or None,
        "STORAGE_S3_ACCESS_KEY": os.environ.get("STORAGE_S3_ACCESS_KEY") or None,
        "STORAGE_S3_SECRET_KEY": os.environ.get("STORAGE_S3_SECRET_KEY") or None,
        "MAX_PHOTO_BYTES": _int("MAX_PHOTO_BYTES", 2 * 1024 * 1024),
        "LOCATION_RETENTION_DAYS": _int("LOCATION_RETENTION_DAYS", 90),
        "POSITION_STALE_AFTER_S": _int("POSITION_STALE_AFTER_S", 120),
        "ETA_NOTIFY_THRESHOLD_S": _int("ETA_NOTIFY_THRESHOLD_S", 120),
        "GEOFENCE_RADIUS_M": _int("GEOFENCE_RADIUS_M", 60),
        "GEOFENCE_DWELL_S": _int("GEOFENCE_DWELL_S", 45),
        "VROOM_WAIT_MARGIN_S": _int("VROOM_WAIT_MARGIN_S", 30),
        # `flask vroom serve` (and the app's /api/v1/vroom limits): see backend/vroom/server.py
        "VROOM_API_KEY": os.environ.get("VROOM_API_KEY") or None,
        "VROOM_CORS_ORIGINS": os.environ.get("VROOM_CORS_ORIGINS", "*"),
        "VROOM_MAX_LOCATIONS": _int("VROOM_MAX_LOCATIONS", 1000),
        "VROOM_MAX_VEHICLES": _int("VROOM_MAX_VEHICLES", 200),
        "VROOM_MAX_BODY_MB": _int("VROOM_MAX_BODY_MB", 50),
        "VROOM_WORKERS": _int("VROOM_WORKERS", os.cpu_count() or 1),
        "ETA_REFRESH_S": _int("ETA_REFRESH_S", 20),
        "POSITION_BATCH_MS": _int("POSITION_BATCH_MS", 100),
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL") or None,
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION") or None,
    }


OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_TILE_ATTRIBUTION = "© OpenStreetMap contributors"


def map_tiles(config) -> dict:
    """The map tiles every map of the apps draws on (console, tracking page, analytics), and their
    attribution as plain text; the Content-Security-Policy allows this tile host and no other."""
    return {"tile_url": config.get("MAP_TILE_URL") or OSM_TILE_URL,
            "tile_attribution": config.get("MAP_TILE_ATTRIBUTION") or OSM_TILE_ATTRIBUTION}


def apply_derived(config: dict) -> None:
    """Settings that follow from others."""
    from backend import outbound

    try:
        outbound.parse_networks(config.get("OUTBOUND_ALLOWED_NETWORKS"))
    except ValueError as exc:
        raise ValueError(f"OUTBOUND_ALLOWED_NETWORKS: {exc} (a comma-separated list like 10.0.0.0/8,127.0.0.1)")
    config.setdefault("MAX_CONTENT_LENGTH", config["MAX_UPLOAD_MB"] * 1024 * 1024)
    config["SQLALCHEMY_ECHO"] = config.get("SQL_ECHO", False)
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        uri = "postgresql+psycopg://" + uri[len("postgres://"):]
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        # SQLite gets one writer at a time; waiting beats failing with "database is locked".
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    else:
        options.setdefault("pool_pre_ping", True)
        # Each web or worker process holds up to pool size + overflow connections; all processes
        # together must stay under PostgreSQL's max_connections (100 by default).
        options.setdefault("pool_size", config.get("DATABASE_POOL_SIZE", 10))
        options.setdefault("max_overflow", config.get("DATABASE_MAX_OVERFLOW", 20))
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    config.setdefault("JSON_SORT_KEYS", False)
