"""The till's rules, free of any framework, one module per concept: money arithmetic
(``money``), order lines with their tax (``lines``), the tender protocol every way of paying
follows (``tenders``), what a user sees of an order (``status``), and the order a booking
makes (``from_booking``)."""
from .from_booking import order_from_booking, order_id_for_booking

__all__ = ["order_from_booking", "order_id_for_booking"]
