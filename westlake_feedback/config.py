"""Defaults. Deployment settings come from WESTLAKE_* environment variables (see README)."""
from __future__ import annotations


class Config:
    # SQLALCHEMY_DATABASE_URI is filled in by create_app(): WESTLAKE_DATABASE_URL or
    # a SQLite file in the instance folder.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    RECEIPT_PREFIX = "XH"
    # Until moderation lands, a demo may publish comments at once.
    AUTO_APPROVE_COMMENTS = False
    COMMENTS_PER_PAGE = 20
    FEEDBACK_PER_PAGE = 50  # entries (comments with their answers) per page of a clause's published feedback
    WTF_CSRF_TIME_LIMIT = None  # the form token is tied to the session, not a stopwatch
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # WESTLAKE_SESSION_COOKIE_SECURE=true behind HTTPS
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # Proxies in front of the app whose X-Forwarded-For/-Proto are believed (nginx alone: 1).
    TRUSTED_PROXIES = 0
    # Rate limits are counted in a store all web processes share: WESTLAKE_RATELIMIT_STORAGE_URI,
    # else Redis at WESTLAKE_REDIS_URL, else the app's own database (database://).
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = None
    REDIS_URL = None
    RATELIMIT_HEADERS_ENABLED = True  # also sends Retry-After with every 429
    # Per client address, sized for carrier-grade NAT where many citizens share one address.
    COMMENT_RATE_LIMIT = "60 per 10 minutes"
    RECEIPT_RATE_LIMIT = "30 per 10 minutes"  # receipt codes looked up and not found
    LOGIN_RATE_LIMIT = "20 per 15 minutes"  # failed logins
    API_RATE_LIMIT = "120 per minute"
    # Load shedding (westlake_feedback/overload.py): requests running at once per web process; up
    # to MAX_WAITING more wait up to IN_FLIGHT_WAIT seconds for a slot, then get 503 with
    # Retry-After; beyond those, at once. MAX_IN_FLIGHT 0: off.
    MAX_IN_FLIGHT = 4
    IN_FLIGHT_WAIT = 0.5
    MAX_WAITING = None  # requests that may wait for a slot at once; None: 4 x MAX_IN_FLIGHT
    OVERLOAD_RETRY_AFTER = 5  # seconds, sent as Retry-After and said on the page
    # Rendered public pages (westlake_feedback/pagecache/): an LRU of this many pages per process,
    # and Redis at WESTLAKE_REDIS_URL (or PAGE_CACHE_REDIS_URL) shared by every process and node.
    PAGE_CACHE_ENABLED = True
    PAGE_CACHE_SIZE = 256
    PAGE_CACHE_REDIS_URL = None
    PAGE_CACHE_KEY_PREFIX = "westlake:"  # one per site when several share a Redis
    PAGE_CACHE_TTL = 300  # seconds a page stays in Redis (keys change every minute anyway)
    API_CORS_ORIGINS: list[str] = []  # CORS is off unless origins are listed
    # Privacy (see README, Privacy): contact details are kept this many days after a
    # consultation closes, then removed by `flask privacy purge` / the worker's daily job.
    RETENTION_DAYS = 1095
    PRIVACY_PURGE_INTERVAL = 24 * 3600  # seconds between the worker's purge runs
    IP_HASH_KEY_DAYS = 1  # a month's IP-hash key is destroyed this many days after the month
    INTAKE_MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # scans of letters: PDF, JPEG or PNG
    # Near-duplicate clusters (see README, Clusters): comments whose normalised texts have a
    # shingle Jaccard of at least this are one cluster. After changing it, run
    # `flask clusters rebuild SLUG` for each consultation (the stored band keys depend on it).
    CLUSTER_THRESHOLD = 0.8

    # Links in mail are built from this, since the worker has no request to take a host from.
    BASE_URL = "http://127.0.0.1:5000"

    # Mail. Without MAIL_SERVER (WESTLAKE_MAIL_SERVER) messages are written as .eml files into
    # OUTBOX_DIR (default: instance/outbox/). The other MAIL_* settings are Flask-Mail's.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "noreply@localhost"
    MAIL_SUPPRESS_SEND = False  # never let TESTING silently swallow mail: tests use a real server
    MAIL_TIMEOUT = 30  # seconds for connecting to and talking with the SMTP server
    OUTBOX_DIR = None
    OUTBOX_BATCH_SIZE = 50  # messages per SMTP connection
    OUTBOX_LEASE_SECONDS = 300  # a claimed batch is reclaimable after this (a killed worker)
    OUTBOX_MAX_ATTEMPTS = 6
    OUTBOX_BACKOFF_SECONDS = 60  # retry after 1, 2, 4, 8, 16 minutes
    OUTBOX_BACKOFF_MAX_SECONDS = 6 * 3600

    # The background worker and its jobs.
    WORKER_INTERVAL = 30
    DIGEST_CLOSE_GRACE_SECONDS = 120  # wait after a window closes so in-flight comments commit
    # Report builds run in the worker's own reports thread (or `flask worker --only reports`).
    REPORT_POLL_SECONDS = 5  # how often that thread looks for queued versions
    REPORT_LEASE_SECONDS = 300  # a build that has not committed progress for this long is taken for dead
    REPORT_MAX_ATTEMPTS = 3  # claims of one version before a build cut off again and again is failed
    DIGEST_LIST_LIMIT = 200  # comments a digest writes out in full; it counts and links the rest
