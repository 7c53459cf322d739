"""Identity: accounts and audit read models, private credentials, sessions, refresh tokens,
login attempts.

Revision ID: identity_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "identity_0001"
down_revision = None
branch_labels = ("identity",)
depends_on = "kernel_0001"


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(100), unique=True),
        sa.Column("grants", sa.Text),
        sa.Column("member_id", sa.String(64)),
        sa.Column("disabled", sa.Boolean),
        sa.Column("created_at", sa.String(40)),
        sa.Column("version", sa.Integer),
    )
    op.create_table(
        "account_grants",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("store_id", sa.String(64)),
    )
    op.create_index("ix_account_grants_role_store", "account_grants", ["role", "store_id"])
    op.create_index("ix_account_grants_store", "account_grants", ["store_id"])
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.String(64), primary_key=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("username", sa.String(200)),
        sa.Column("role", sa.String(30)),
        sa.Column("store_id", sa.String(64)),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("target_id", sa.String(200)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("client_address", sa.String(100)),
        sa.Column("correlation_id", sa.String(100)),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at", "audit_id"])
    op.create_index("ix_audit_log_store_at", "audit_log", ["store_id", "at"])
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor_id", "at"])
    op.create_index("ix_audit_log_username_at", "audit_log", ["username", "at"])
    op.create_index("ix_audit_log_operation_at", "audit_log", ["operation", "at"])
    op.create_index("ix_audit_log_address_at", "audit_log", ["client_address", "at"])
    op.create_table(
        "credentials",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("changed_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40)),
    )
    op.create_index("ix_sessions_account", "sessions", ["account_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.String(40), nullable=False),
        sa.Column("used_at", sa.String(40)),
    )
    op.create_index("ix_refresh_tokens_session", "refresh_tokens", ["session_id"])
    op.create_table(
        "login_attempts",
        sa.Column("attempt_id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("client_address", sa.String(100)),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_address_at", "login_attempts", ["client_address", "at"])


def downgrade():
    for table in ("login_attempts", "refresh_tokens", "sessions", "credentials", "audit_log",
                  "account_grants", "accounts"):
        op.drop_table(table)
