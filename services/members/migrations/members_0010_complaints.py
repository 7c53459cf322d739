"""Feedback after visits, complaints and their timelines.

Revision ID: members_0010
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0010"
down_revision = "members_0009"
branch_labels = None
depends_on = None

S, N, T = sa.String, sa.Integer, sa.Text


def upgrade():
    op.create_table(
        "feedback",
        sa.Column("booking_id", S(64), primary_key=True),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("staff_ids", T, nullable=False),
        sa.Column("rating", N, nullable=False),
        sa.Column("comment", T),
        sa.Column("at", S(40), nullable=False),
    )
    op.create_index("ix_feedback_member_id", "feedback", ["member_id"])
    op.create_index("ix_feedback_store_id", "feedback", ["store_id"])
    op.create_table(
        "complaints",
        sa.Column("complaint_id", S(64), primary_key=True),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("category", S(20), nullable=False),
        sa.Column("text", T, nullable=False),
        sa.Column("booking_id", S(64)),
        sa.Column("order_id", S(64)),
        sa.Column("status", S(20), nullable=False),
        sa.Column("assignee", S(64)),
        sa.Column("resolution", S(20)),
        sa.Column("opened_at", S(40), nullable=False),
        sa.Column("updated_at", S(40), nullable=False),
        sa.Column("version", N, nullable=False),
    )
    op.create_index("ix_complaints_member_id", "complaints", ["member_id"])
    op.create_index("ix_complaints_store_id", "complaints", ["store_id"])
    op.create_table(
        "complaint_timeline",
        sa.Column("complaint_id", S(64), primary_key=True),
        sa.Column("version", N, primary_key=True),
        sa.Column("action", S(20), nullable=False),
        sa.Column("note", T),
        sa.Column("resolution", S(20)),
        sa.Column("reference", S(64)),
        sa.Column("by", S(64)),
        sa.Column("by_role", S(20)),
        sa.Column("at", S(40), nullable=False),
    )


def downgrade():
    for table in ("complaint_timeline", "complaints", "feedback"):
        op.drop_table(table)
