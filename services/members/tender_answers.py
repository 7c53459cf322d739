"""What the members' tenders answer the orders' tender protocol: approved, declined (with the
reason, as a card provider declines) or absent (no such reference), and what moved."""

APPROVED, DECLINED, ABSENT = "approved", "declined", "absent"


def answer(status: str, reason: str | None = None, **amounts) -> dict:
    return {"status": status, "reason": reason, "captured": 0, "refunded": 0, "voided": False, **amounts}


def inquired(hold) -> dict:
    """What inquire answers about a hold row (``status``: held, captured or voided, and its
    ``amount_minor``), or about none."""
    if hold is None:
        return answer(ABSENT)
    if hold.status == "voided":
        return answer(APPROVED, voided=True)
    return answer(APPROVED, captured=hold.amount_minor if hold.status == "captured" else 0)
