"""Configuration from the environment: one function per setting, one place for defaults.

Every setting a service reads is listed in ``SETTINGS`` so the README's configuration
table and the code cannot drift apart (``python -m shared.manage settings`` prints it).
"""
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str

    def get(self) -> str:
        return os.environ.get(self.name, self.default)


AMQP_URI = Setting("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ the services share")
RPC_TIMEOUT = Setting("RPC_TIMEOUT", "5", "seconds an RPC may take before the caller gets a timeout (504)")
READY_TIMEOUT = Setting("READY_TIMEOUT", "2", "seconds /readyz waits for the broker and each service")
READ_YOUR_WRITES_TIMEOUT = Setting(
    "READ_YOUR_WRITES_TIMEOUT", "3", "seconds a query waits for a projection to show a fresh write"
)
RELAY_BATCH = Setting("RELAY_BATCH", "2000", "events the outbox relay publishes per confirmed batch")
RELAY_POLL = Setting(
    "RELAY_POLL", "0.5", "seconds the relay waits for a commit wake-up before looking anyway"
)
RELAY_LINGER = Setting(
    "RELAY_LINGER", "0.003", "seconds the relay lets further commits gather after a wake-up"
)
HANDLER_ATTEMPTS = Setting(
    "HANDLER_ATTEMPTS", "4", "tries of a failing event before its parked stream waits for an operator")
HANDLER_BACKOFF = Setting(
    "HANDLER_BACKOFF", "0.2", "seconds before a parked stream's first retry; doubles each try")
EVENT_PARTITIONS = Setting(
    "EVENT_PARTITIONS", "8", "partition queues per consuming service and source service; change "
    "it only with the consumers' queues drained (streams move to other partitions)")
QUEUE_TYPE = Setting(
    "QUEUE_TYPE", "classic", "type of the durable queues the services declare (event partitions and "
    "RPC): classic for one broker, quorum for a RabbitMQ cluster (they outlive a node); set it before "
    "the first start: a queue's type cannot change while it exists")
CONSUMER_PREFETCH = Setting(
    "CONSUMER_PREFETCH", "64", "unacknowledged deliveries a consumer takes from each partition queue")
PARKED_RETRY_POLL = Setting(
    "PARKED_RETRY_POLL", "0.1", "seconds between a consumer's looks for parked streams due a retry")
TIMER_POLL = Setting(
    "TIMER_POLL", "0.5", "seconds between the timer runner's looks for due timers (it wakes "
    "sooner for a timer this process schedules, and for the next one it knows is due)")
TIMER_ATTEMPTS = Setting(
    "TIMER_ATTEMPTS", "6", "tries of a timer whose handler fails before it waits, dead, for an operator")
TIMER_BACKOFF = Setting(
    "TIMER_BACKOFF", "1", "seconds before a failed timer's first retry; doubles each try (at most 10 min)")
NOTIFIER = Setting(
    "NOTIFIER", "log", "how reminders reach customers: log (a JSON log line each) or smtp (SMTP_URL)")
SMTP_URL = Setting("SMTP_URL", "smtp://127.0.0.1:25", "mail server for NOTIFIER=smtp (smtp://user:pass@host:port)")
SMTP_FROM = Setting("SMTP_FROM", "salon@example.com", "sender address of reminder mail")
LOG_LEVEL = Setting("LOG_LEVEL", "INFO", "log level of every service (JSON lines on stderr)")
GATEWAY_PORT = Setting("GATEWAY_PORT", "8000", "HTTP port of the gateway")
METRICS_PORT_BASE = Setting(
    "METRICS_PORT_BASE", "9100", "first port of the services' /metrics endpoints (one each, in order)"
)
VAR_DIR = Setting("VAR_DIR", str(ROOT / "var"), "folder for the default SQLite files")
AUTH_SECRET = Setting(
    "AUTH_SECRET", "", "HMAC key (32+ characters) signing access tokens, shared by identity and "
    "the gateway; no default: `make run` makes one per run, elsewhere it must be set")
AUTH_SECRET_PREVIOUS = Setting(
    "AUTH_SECRET_PREVIOUS", "", "older AUTH_SECRETs (comma-separated) whose access tokens are still "
    "accepted, never used to sign: set while rotating AUTH_SECRET, removed after ACCESS_TOKEN_TTL")
AUTH_ISSUER = Setting("AUTH_ISSUER", "salon-platform", "`iss` of access tokens")
AUTH_AUDIENCE = Setting("AUTH_AUDIENCE", "salon-api", "`aud` of access tokens")
ACCESS_TOKEN_TTL = Setting("ACCESS_TOKEN_TTL", "900", "seconds an access token is valid")
REFRESH_TOKEN_TTL = Setting("REFRESH_TOKEN_TTL", "1209600", "seconds a refresh token is valid (14 days)")
LOCKOUT_ATTEMPTS = Setting("LOCKOUT_ATTEMPTS", "5", "failed logins of one username that lock it")
LOCKOUT_WINDOW = Setting("LOCKOUT_WINDOW", "900", "seconds over which failed logins are counted")
LOCKOUT_DURATION = Setting("LOCKOUT_DURATION", "900", "seconds a locked username stays locked")
LOGIN_ADDRESS_ATTEMPTS = Setting(
    "LOGIN_ADDRESS_ATTEMPTS", "20", "failed logins from one client address (any usernames) "
    "within LOCKOUT_WINDOW before that address is throttled")
RATE_LIMIT_PER_USER = Setting(
    "RATE_LIMIT_PER_USER", "600", "requests per minute per user, per gateway replica")
RATE_LIMIT_PER_ADDRESS = Setting(
    "RATE_LIMIT_PER_ADDRESS", "1200", "requests per minute per client address, per gateway replica")
RATE_LIMIT_PUBLIC_WRITES = Setting(
    "RATE_LIMIT_PUBLIC_WRITES", "60", "logins, refreshes and registrations per minute per client "
    "address, per gateway replica (each costs a password hash or a database write)")
TRUSTED_PROXIES = Setting(
    "TRUSTED_PROXIES", "0", "proxies in front of the gateway whose X-Forwarded-For entries are "
    "trusted (0: the TCP peer is the client address)")
DEMO_ADMIN_PASSWORD = Setting(
    "DEMO_ADMIN_PASSWORD", "", "set by `make run` only: the seed creates (or resets) the demo HQ "
    "admin `admin` with it; unset, no account gets a default password")
DEMO_BOOKINGS = Setting(
    "DEMO_BOOKINGS", "", "set by `make run` only: the booking seed adds three weeks of past and "
    "three of future demo bookings to the demo chain")
PROVIDER_LATENCY = Setting(
    "PROVIDER_LATENCY", "0.02", "seconds the simulated payment provider takes per call")
PROVIDER_SECRET = Setting(
    "PROVIDER_SECRET", "", "HMAC key the payment provider signs its callbacks with (the gateway "
    "checks them); no default: `make run` makes one per run, unset, every callback is refused")
PROVIDER_CALLBACK_URL = Setting(
    "PROVIDER_CALLBACK_URL", "", "where the simulated provider reports payments it decided later "
    "(default: the gateway's /api/v1/payments/callback on GATEWAY_PORT)")
PROVIDER_CALLBACK_DELAY = Setting(
    "PROVIDER_CALLBACK_DELAY", "1", "seconds before the simulated provider confirms a tok_later payment")
RETENTION_DAYS = Setting(
    "RETENTION_DAYS", "30", "days idempotency keys, provider callback ids and provider references are kept")


def database_url(service: str) -> str:
    """``<SERVICE>_DATABASE_URL``, else a SQLite file of the service's own under VAR_DIR."""
    explicit = os.environ.get(f"{service.upper()}_DATABASE_URL")
    if explicit:
        return explicit
    var = Path(VAR_DIR.get())
    var.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var / service}.db"


SERVICES = ("booking", "orders", "members", "inventory", "finance", "identity")


def metrics_port(service: str) -> int:
    explicit = os.environ.get(f"{service.upper()}_METRICS_PORT")
    if explicit:
        return int(explicit)
    return int(METRICS_PORT_BASE.get()) + SERVICES.index(service)


SETTINGS = [
    AMQP_URI,
    Setting("<SERVICE>_DATABASE_URL", "sqlite:///var/<service>.db",
            "database of one service, e.g. postgresql://postgres@127.0.0.1/booking (psycopg2; "
            "postgresql+pg8000:// for pg8000)"),
    RPC_TIMEOUT, READY_TIMEOUT, READ_YOUR_WRITES_TIMEOUT, RELAY_BATCH, RELAY_POLL, RELAY_LINGER,
    HANDLER_ATTEMPTS, HANDLER_BACKOFF, EVENT_PARTITIONS, QUEUE_TYPE, CONSUMER_PREFETCH,
    PARKED_RETRY_POLL,
    TIMER_POLL, TIMER_ATTEMPTS, TIMER_BACKOFF,
    LOG_LEVEL, GATEWAY_PORT, METRICS_PORT_BASE,
    Setting("<SERVICE>_METRICS_PORT", "METRICS_PORT_BASE + index", "override one service's metrics port"),
    VAR_DIR, AUTH_SECRET, AUTH_SECRET_PREVIOUS, AUTH_ISSUER, AUTH_AUDIENCE, ACCESS_TOKEN_TTL,
    REFRESH_TOKEN_TTL,
    LOCKOUT_ATTEMPTS, LOCKOUT_WINDOW, LOCKOUT_DURATION, LOGIN_ADDRESS_ATTEMPTS,
    RATE_LIMIT_PER_USER, RATE_LIMIT_PER_ADDRESS, RATE_LIMIT_PUBLIC_WRITES, TRUSTED_PROXIES,
    DEMO_ADMIN_PASSWORD, DEMO_BOOKINGS, NOTIFIER, SMTP_URL, SMTP_FROM,
    PROVIDER_LATENCY, PROVIDER_SECRET, PROVIDER_CALLBACK_URL, PROVIDER_CALLBACK_DELAY, RETENTION_DAYS,
]


QUEUE_TYPES = ("classic", "quorum")


def queue_type_arguments() -> dict:
    """The ``x-queue-type`` argument of every durable queue the services declare."""
    kind = QUEUE_TYPE.get()
    if kind not in QUEUE_TYPES:
        raise ValueError(f"setting QUEUE_TYPE is {kind!r}: one of {', '.join(QUEUE_TYPES)} is expected")
    return {"x-queue-type": kind}


def nameko_config(service: str) -> dict:
    """The nameko container config every service and test container starts from."""
    from shared.envelope import SERIALIZER_NAME, serializer_config

    return {
        "AMQP_URI": AMQP_URI.get(),
        "SERIALIZERS": serializer_config(),
        "ACCEPT": ["json", SERIALIZER_NAME],
        "SERVICE_NAME": service,
        "max_workers": 10,
        "parent_calls_tracked": 10,
    }
