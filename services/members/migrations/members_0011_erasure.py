"""Erasure: when a member was erased, and each complaint's timeline line knows its member, so
an erasure scrubs staff's notes on the member's complaints with the rest of their data.

Revision ID: members_0011
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0011"
down_revision = "members_0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("members", sa.Column("erased_at", sa.String(40)))
    op.add_column("complaint_timeline", sa.Column("member_id", sa.String(64)))
    op.execute(
        "UPDATE complaint_timeline SET member_id = (SELECT complaints.member_id FROM complaints "
        "WHERE complaints.complaint_id = complaint_timeline.complaint_id)"
    )
    op.create_index("ix_complaint_timeline_member_id", "complaint_timeline", ["member_id"])


def downgrade():
    op.drop_index("ix_complaint_timeline_member_id", "complaint_timeline")
    with op.batch_alter_table("complaint_timeline") as batch:
        batch.drop_column("member_id")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("erased_at")
