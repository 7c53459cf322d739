"""Segments (saved filters), and campaigns issued to them batch by batch.

Revision ID: members_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0008"
down_revision = "members_0007"
branch_labels = None
depends_on = None

S, N, T, B = sa.String, sa.Integer, sa.Text, sa.Boolean


def upgrade():
    op.create_table(
        "segments",
        sa.Column("segment_id", S(64), primary_key=True),
        sa.Column("name", S(200), nullable=False),
        sa.Column("owner_store", S(64)),
        sa.Column("filter", T, nullable=False),
        sa.Column("by", S(64)),
        sa.Column("created_at", S(40), nullable=False),
        sa.Column("version", N, nullable=False),
    )
    op.create_index("ix_segments_owner_store", "segments", ["owner_store"])
    op.create_table(
        "segment_issues",
        sa.Column("job_id", S(64), primary_key=True),
        sa.Column("campaign_id", S(64), nullable=False),
        sa.Column("segment_id", S(64), nullable=False),
        sa.Column("total", N, nullable=False),
        sa.Column("issued", N, nullable=False),
        sa.Column("refused", N, nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("started_at", S(40), nullable=False),
        sa.Column("finished_at", S(40)),
    )
    op.create_index("ix_segment_issues_campaign_id", "segment_issues", ["campaign_id"])
    op.create_table(
        "segment_issue_batches",
        sa.Column("job_id", S(64), primary_key=True),
        sa.Column("batch", N, primary_key=True),
        sa.Column("member_ids", T, nullable=False),
        sa.Column("done", B, nullable=False),
    )


def downgrade():
    for table in ("segment_issue_batches", "segment_issues", "segments"):
        op.drop_table(table)
