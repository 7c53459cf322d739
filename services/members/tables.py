"""The members service's read models."""
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table

metadata = MetaData()

members = Table(
    "members", metadata,
    Column("member_id", String(64), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("phone", String(40)),
    Column("consent_terms", Boolean, nullable=False),
    Column("consent_marketing_email", Boolean, nullable=False),
    Column("consent_marketing_sms", Boolean, nullable=False),
    Column("registered_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)
