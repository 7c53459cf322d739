"""Feedback and complaints: what a member says after a visit, and how a store puts a
complaint right.

Feedback is a rating of 1 to 5 with a comment, once per completed visit. A complaint has a
category and is about a booking or an order of the member's (so it belongs to that store),
and moves ``open`` → ``in_progress`` → ``resolved`` → ``closed``; it may be opened again
from ``resolved`` if the member is not satisfied. Staff act on it: take it (the assignee),
add a note, resolve it with how (an apology, a redo, a refund through orders, a coupon),
close it. Every action joins its timeline. Pure: the service records each action.
"""

from dataclasses import dataclass, replace

from shared.refusals import Refused

CATEGORIES = ("service", "product", "environment", "staff", "price", "other")
OPEN, IN_PROGRESS, RESOLVED, CLOSED = "open", "in_progress", "resolved", "closed"
RESOLUTIONS = ("apology", "redo", "refund", "coupon")
ACTIONS = ("take", "note", "resolve", "reopen", "close")
DONE = {"take": "taken", "note": "noted", "resolve": "resolved", "reopen": "opened again", "close": "closed"}
MOVES = {  # action: the statuses it may be taken from, and where it leads (None: stays)
    "take": ((OPEN, IN_PROGRESS), IN_PROGRESS),
    "note": ((OPEN, IN_PROGRESS, RESOLVED), None),
    "resolve": ((OPEN, IN_PROGRESS), RESOLVED),
    "reopen": ((RESOLVED,), IN_PROGRESS),
    "close": ((RESOLVED,), CLOSED),
}


def rating(stars: int, comment: str | None) -> None:
    if not 1 <= stars <= 5:
        raise Refused("rating", "1 to 5 stars", conflict=False)
    if comment is not None and len(comment) > 2000:
        raise Refused("comment", "at most 2000 characters", conflict=False)


def feedback_allowed(visit_status: str | None, given_before: bool) -> None:
    if visit_status is None:
        raise Refused("booking_id", "not a visit of this member", conflict=False)
    if visit_status != "completed":
        raise Refused("booking_id", "feedback comes after the visit is completed")
    if given_before:
        raise Refused("booking_id", "the feedback for this visit was given")


@dataclass(frozen=True)
class Complaint:
    status: str = OPEN
    assignee: str | None = None
    resolution: str | None = None


def opened(category: str, text: str, about: str | None) -> Complaint:
    if category not in CATEGORIES:
        raise Refused("category", f"one of {', '.join(CATEGORIES)}", conflict=False)
    if not text.strip():
        raise Refused("text", "what went wrong", conflict=False)
    if about is None:
        raise Refused(
            "booking_id", "a complaint is about a booking or an order of the member's", conflict=False
        )
    return Complaint()


def act(
    c: Complaint, action: str, by: str | None, resolution: str | None = None, assignee: str | None = None
) -> Complaint:
    """The complaint after ``action``; refused when its status does not allow it."""
    if action not in MOVES:
        raise Refused("action", f"one of {', '.join(ACTIONS)}", conflict=False)
    allowed, to = MOVES[action]
    if c.status not in allowed:
        raise Refused("action", f"a complaint {c.status.replace('_', ' ')} cannot be {DONE[action]}")
    if action == "resolve" and resolution not in RESOLUTIONS:
        raise Refused("resolution", f"one of {', '.join(RESOLUTIONS)}", conflict=False)
    changes = {"status": to or c.status}
    if action == "take":
        changes["assignee"] = assignee or by
    if action == "resolve":
        changes["resolution"] = resolution
    if action == "reopen":
        changes["resolution"] = None
    return replace(c, **changes)
