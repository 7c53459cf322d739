"""The identity service's tables: read models (projected from its events) and private secrets.

Read models (``accounts``, ``account_grants``, ``audit_log``) are rebuilt from the event store.
Private tables (``credentials``, ``sessions``, ``refresh_tokens``) hold what must never be in an
event (password and refresh-token hashes); commands write them directly, in the same
transaction as the events that go with them. ``login_attempts`` (private too) is what the
lockout and the per-address throttle count: a row is reserved, pending, before the password
is checked, so attempts running at the same time count against each other.
"""
from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# Columns other than the key are nullable on purpose: AccountChanged and PasswordChanged
# project as partial upserts, and INSERT .. ON CONFLICT checks NOT NULL before the conflict.
accounts = Table(
    "accounts", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("username", String(100), unique=True),  # uniqueness across replicas: see service
    Column("grants", Text),  # JSON list, so principal() is one row read
    Column("member_id", String(64)),
    Column("disabled", Boolean),
    Column("created_at", String(40)),
    Column("version", Integer),
)
account_grants = Table(
    "account_grants", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("role", String(30), nullable=False),
    Column("store_id", String(64)),
    Index("ix_account_grants_role_store", "role", "store_id"),
    Index("ix_account_grants_store", "store_id"),
)
audit_log = Table(
    "audit_log", metadata,
    Column("audit_id", String(64), primary_key=True),
    Column("at", String(40), nullable=False),
    Column("actor_id", String(64)),
    Column("username", String(200)),
    Column("role", String(30)),
    Column("store_id", String(64)),
    Column("operation", String(100), nullable=False),
    Column("target_id", String(200)),
    Column("outcome", String(20), nullable=False),
    Column("status", Integer, nullable=False),
    Column("client_address", String(100)),
    Column("correlation_id", String(100)),
    Index("ix_audit_log_at", "at", "audit_id"),
    Index("ix_audit_log_store_at", "store_id", "at"),
    Index("ix_audit_log_actor_at", "actor_id", "at"),
    Index("ix_audit_log_username_at", "username", "at"),
    Index("ix_audit_log_operation_at", "operation", "at"),
    Index("ix_audit_log_address_at", "client_address", "at"),
)

credentials = Table(
    "credentials", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("changed_at", String(40), nullable=False),
)
sessions = Table(
    "sessions", metadata,
    Column("session_id", String(64), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Index("ix_sessions_account", "account_id"),
)
refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 hex of the token
    Column("session_id", String(64), nullable=False),
    Column("issued_at", String(40), nullable=False),
    Column("used_at", String(40)),
    Index("ix_refresh_tokens_session", "session_id"),
)
login_attempts = Table(
    "login_attempts", metadata,
    Column("attempt_id", String(64), primary_key=True),
    Column("username", String(100), nullable=False),
    Column("client_address", String(100)),
    Column("at", String(40), nullable=False),
    Column("outcome", String(20), nullable=False),  # pending, failed or success
    Index("ix_login_attempts_username_at", "username", "at"),
    Index("ix_login_attempts_address_at", "client_address", "at"),
)
