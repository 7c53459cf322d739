"""Profiles: members registered at the counter (no login, maybe no e-mail), birthday,
preferences, tags and search keys; every consent per channel; staff's care notes.

Revision ID: members_0009
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0009"
down_revision = "members_0008"
branch_labels = None
depends_on = None

S, N, T, B = sa.String, sa.Integer, sa.Text, sa.Boolean


def upgrade():
    with op.batch_alter_table("members") as batch:
        batch.alter_column("account_id", existing_type=S(64), nullable=True)
        batch.alter_column("email", existing_type=S(320), nullable=True)
        batch.add_column(sa.Column("source", S(10), nullable=False, server_default="online"))
        batch.add_column(sa.Column("registered_store", S(64)))
        batch.add_column(sa.Column("birthday", S(10)))
        batch.add_column(sa.Column("preferences", T, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("tags", T, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("search_name", S(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("phone_digits", S(40)))
        batch.add_column(sa.Column("email_lower", S(320)))
    op.execute("UPDATE members SET email_lower = lower(email), search_name = lower(name)")
    op.create_index("ix_members_search_name", "members", ["search_name"])
    op.create_index("ix_members_phone_digits", "members", ["phone_digits"])
    op.create_index("ix_members_email_lower", "members", ["email_lower"])
    op.create_table(
        "member_consents",
        sa.Column("member_id", S(64), primary_key=True),
        sa.Column("version", N, primary_key=True),
        sa.Column("channel", S(10), nullable=False),
        sa.Column("given", B, nullable=False),
        sa.Column("how", S(200), nullable=False),
        sa.Column("by", S(64)),
        sa.Column("at", S(40), nullable=False),
    )
    op.create_table(
        "care_notes",
        sa.Column("note_id", S(64), primary_key=True),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("kind", S(20), nullable=False),
        sa.Column("text", T, nullable=False),
        sa.Column("store_id", S(64)),
        sa.Column("by", S(64)),
        sa.Column("at", S(40), nullable=False),
    )
    op.create_index("ix_care_notes_member_id", "care_notes", ["member_id"])


def downgrade():
    op.drop_table("care_notes")
    op.drop_table("member_consents")
    for index in ("ix_members_email_lower", "ix_members_phone_digits", "ix_members_search_name"):
        op.drop_index(index, "members")
    with op.batch_alter_table("members") as batch:
        for column in ("email_lower", "phone_digits", "search_name", "tags", "preferences", "birthday",
                       "registered_store", "source"):
            batch.drop_column(column)
