"""The demo HQ admin (only when DEMO_ADMIN_PASSWORD is set), and the production bootstrap's
command: an hq_admin account made outside nameko, straight on the service's database."""
from sqlalchemy import select

from shared.config import DEMO_ADMIN_PASSWORD
from shared.db import Database
from shared.errors import Conflict
from shared.eventstore import EventStore
from shared.uow import run_unit_of_work

from . import accounts
from .domain import check_password, checked_username
from .passwords import HASHER
from .tables import accounts as accounts_table

DEMO_ADMIN = "admin"
HQ_ADMIN = [{"role": "hq_admin", "store_id": None}]


def create_hq_admin(db: Database, store: EventStore, projections, username: str, password: str,
                    reset: bool = False) -> str:
    """Open an hq_admin account; with ``reset``, an existing one gets this password instead.
    Returns "created" or "reset"; Conflict if the name is taken and ``reset`` is false."""
    username = checked_username(username)
    check_password(password, username)
    password_hash = HASHER.hash(password)  # no hub here: a plain process, not a nameko worker

    def work(uow):
        account_id = uow.conn.execute(select(accounts_table.c.account_id)
                                      .where(accounts_table.c.username == username)).scalar()
        if account_id is None:
            accounts.open_account(uow, username, password_hash, HQ_ADMIN)
            return "created"
        if not reset:
            raise Conflict("the username is already taken", {"username": ["already taken"]})
        accounts.set_password(uow, accounts.current(uow, account_id), password_hash)
        return "reset"

    outcome, _ = run_unit_of_work(db, store, projections, work)
    return outcome


def seed(db: Database, store: EventStore, projections) -> str:
    password = DEMO_ADMIN_PASSWORD.get()
    if not password:
        return "no demo admin created (DEMO_ADMIN_PASSWORD is not set)"
    create_hq_admin(db, store, projections, DEMO_ADMIN, password, reset=True)
    return f"demo HQ admin: {DEMO_ADMIN} / {password}"
