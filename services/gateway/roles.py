"""Who may call what: the role tuples the gateway's ``@endpoint`` lines name."""
from services.identity.contracts import CUSTOMER

HQ = ("hq_admin", "hq_analyst")
ADMIN = ("hq_admin",)
STORE_READERS = (*HQ, "store_manager", "staff", CUSTOMER)
BOOKERS = ("hq_admin", "store_manager", "staff", CUSTOMER)
ANYONE = (*HQ, "store_manager", "staff", CUSTOMER)
MANAGERS = ("hq_admin", "store_manager")
STORE_STAFF = ("hq_admin", "store_manager", "staff")
STORE_VIEWERS = (*HQ, "store_manager", "staff")
