"""The till's rules, free of any framework, one module per concept: money arithmetic
(``money``), order lines with their tax (``lines``), the tender protocol every way of paying
follows (``tenders``), what a user sees of an order (``status``), an order's state and the
decisions on it (``order``), its state from its events (``history``), the order a booking
makes (``from_booking``) and a store's till settings (``settings``)."""
from .from_booking import booked_order, order_id_for_booking

__all__ = ["booked_order", "order_id_for_booking"]
