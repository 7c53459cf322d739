"""The finance service as the kernel sees it: its domain arrives with its own issue."""
from shared.app import ServiceApp

APP = ServiceApp("finance", None)
