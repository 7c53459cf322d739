"""Events the orders service publishes, one module per concept: an order's creation and
lines (``created``, ``lines``), its life and the store's receipt book and till settings
(``orders``), money moving (``payments``), after-sales requests (``after_sales``)."""

from .after_sales import AfterSalesRequested, AfterSalesUpdated
from .created import (
    OrderCreated,
    OrderCreatedV1Contract,
    OrderCreatedV2Contract,
    OrderCreatedV3Contract,
    OrderCreatedV4Contract,
    OrderCreatedV5Contract,
    order_created_v2,
    order_created_v3,
    order_created_v4,
    order_created_v5,
    order_created_v6,
)
from .orders import (
    DepositLapsed,
    OrderCancelled,
    OrderLineAdded,
    OrderProgressed,
    ReceiptIssued,
    TillSettingsChanged,
)
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
    DepositLapsed,
    AfterSalesRequested,
    AfterSalesUpdated,
)

__all__ = [
    "ORDER_EVENTS",
    "AfterSalesRequested",
    "AfterSalesUpdated",
    "DepositLapsed",
    "OrderCancelled",
    "OrderCreated",
    "OrderCreatedV1Contract",
    "OrderCreatedV2Contract",
    "OrderCreatedV3Contract",
    "OrderCreatedV4Contract",
    "OrderCreatedV5Contract",
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
    "order_created_v4",
    "order_created_v5",
    "order_created_v6",
]
