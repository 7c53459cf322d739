"""The client addresses of audit entries by accounts erased before addresses were sealed: the
live audit log forgets them, as it now does at an erasure (the events read them as null too).

Revision ID: identity_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "identity_0002"
down_revision = "identity_0001"
branch_labels = None
depends_on = "kernel_0006"


def upgrade():
    op.execute(sa.text(
        "UPDATE audit_log SET client_address = NULL WHERE client_address IS NOT NULL AND actor_id IN "
        "(SELECT subject_id FROM personal_keys WHERE erased_at IS NOT NULL)"))


def downgrade():
    pass
