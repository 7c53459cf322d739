"""Events the orders service publishes, one module per concept: an order's creation and
lines (``created``, ``lines``), its life and the store's receipt book and till settings
(``orders``), money moving (``payments``)."""

from .created import (
    OrderCreated,
    OrderCreatedV1Contract,
    OrderCreatedV2Contract,
    order_created_v2,
    order_created_v3,
)
from .orders import OrderCancelled, OrderLineAdded, OrderProgressed, ReceiptIssued, TillSettingsChanged
from .payments import (
    OrderPaid,
    OrderRefunded,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentFailed,
    PaymentRequested,
    PaymentVoided,
    RefundFailed,
    RefundRequested,
)

ORDER_EVENTS = (
    OrderCreated,
    OrderLineAdded,
    OrderProgressed,
    OrderCancelled,
    PaymentRequested,
    PaymentAuthorized,
    PaymentFailed,
    PaymentCaptured,
    PaymentVoided,
    OrderPaid,
    RefundRequested,
    RefundFailed,
    OrderRefunded,
)

__all__ = [
    "ORDER_EVENTS",
    "OrderCancelled",
    "OrderCreated",
    "OrderCreatedV1Contract",
    "OrderCreatedV2Contract",
    "OrderLineAdded",
    "OrderPaid",
    "OrderProgressed",
    "OrderRefunded",
    "PaymentAuthorized",
    "PaymentCaptured",
    "PaymentFailed",
    "PaymentRequested",
    "PaymentVoided",
    "RefundFailed",
    "RefundRequested",
    "ReceiptIssued",
    "TillSettingsChanged",
    "order_created_v2",
    "order_created_v3",
]
