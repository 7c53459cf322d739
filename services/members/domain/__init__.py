"""Member rules, free of any framework, one module per concept: what a sign-up makes of a
member (``registration``) and the points ledger (``points``)."""

from .registration import member_from_sign_up, stream_of

__all__ = ["member_from_sign_up", "stream_of"]
