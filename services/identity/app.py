"""The identity service as the kernel sees it: name, read models, migrations, seed."""
from pathlib import Path

from shared.app import ServiceApp

from .projections import Accounts, AuditLog
from .seed import seed

APP = ServiceApp("identity", Path(__file__).parent / "migrations",
                 projections=(Accounts(), AuditLog()), seed=seed)
