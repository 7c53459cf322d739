"""The booking service as the kernel sees it: name, read models, migrations, seed."""
from pathlib import Path

from shared.app import ServiceApp

from .projections import Bookings, ReferenceData
from .seed import seed

APP = ServiceApp("booking", Path(__file__).parent / "migrations",
                 projections=(ReferenceData(), Bookings()), seed=seed)
