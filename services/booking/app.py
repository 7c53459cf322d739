"""The booking service as the kernel sees it: name, read models, migrations, seed."""
from pathlib import Path

from shared.app import ServiceApp

from .projections import Bookings, Calendar, Catalogue, Reminders, Resources, Staff, Stores, Waitlist
from .seed import seed

APP = ServiceApp("booking", Path(__file__).parent / "migrations",
                 projections=(Stores(), Staff(), Resources(), Catalogue(), Calendar(), Bookings(),
                              Reminders(), Waitlist()),
                 seed=seed)
