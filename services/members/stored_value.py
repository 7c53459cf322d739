"""Commands on a member's stored value card (the rules are in domain/stored_value.py): the
offer orders asks for before it sells a top-up (the bonus, where it will work), the load once
the top-up order is paid, HQ's rules, and the card as a tender behind the orders' protocol
(authorize holds parts of the card, capture spends them, void lets them go, refund gives
back to the parts a spend took, inquire answers after a lost answer), each keyed by the
orders' tender reference so that asking twice has the effect once.

Each movement takes the card's lock, then reads the card (loads and holds) from the read
models, which every movement keeps current in its own transaction: two stores spending from
one card at once are decided one after the other, from replicas too.
"""

import json
from datetime import datetime

from sqlalchemy import select

from shared.db import lock_key, serialize
from shared.envelope import utc_iso
from shared.errors import Unprocessable, refusal
from shared.personal import refuse_erased
from shared.refusals import Refused

from . import chain_rules
from .contracts import (
    StoredValueHeld,
    StoredValueLoaded,
    StoredValueReleased,
    StoredValueRestored,
    StoredValueRulesChanged,
    StoredValueSpent,
)
from .domain import stored_value as SV
from .points import is_member
from .tables import (
    stored_value_cards,
    stored_value_holds,
    stored_value_loads,
    stored_value_rules,
    stored_value_top_ups,
)
from .tender_answers import APPROVED, DECLINED, answer, inquired

RULES_STREAM = "stored-value-rules"


def stream(member_id: str) -> str:
    return f"card-{member_id}"


def rules_of(conn) -> SV.Rules:
    return SV.Rules.from_data(chain_rules.read(conn, stored_value_rules))


def _parts(text: str) -> tuple[SV.Part, ...]:
    return tuple((load_id, part, n) for load_id, part, n in json.loads(text))


def card_of(conn, member_id: str) -> SV.Card:
    row = conn.execute(select(stored_value_cards).where(stored_value_cards.c.member_id == member_id)).first()
    loads = conn.execute(
        select(stored_value_loads)
        .where(stored_value_loads.c.member_id == member_id)
        .order_by(stored_value_loads.c.loaded_at, stored_value_loads.c.load_id)
    ).all()
    holds = conn.execute(
        select(stored_value_holds).where(
            stored_value_holds.c.member_id == member_id, stored_value_holds.c.status == "held"
        )
    ).all()
    return SV.Card(
        None if row is None else row.currency,
        tuple(SV.Load(x.load_id, x.loaded_at, x.works_in, x.principal, x.bonus) for x in loads),
        tuple(SV.Hold(x.reference, x.store_id, _parts(x.parts)) for x in holds),
    )


def card(uow, member_id: str) -> SV.Card:
    """The member's card, locked: call before deciding anything on it."""
    serialize(uow.conn, lock_key(stream(member_id)))
    return card_of(uow.conn, member_id)


def _money(amount: int, currency: str) -> dict:
    return {"amount_minor": amount, "currency": currency}


def _moved(before: SV.Card, after: SV.Card, parts: tuple[SV.Part, ...]) -> list[dict]:
    left = {x.load_id: x for x in after.loads}
    return [
        {"load_id": load_id, "part": part, "amount_minor": n, "left_after": left[load_id].left(part)}
        for load_id, part, n in parts
    ]


def _record(uow, member_id: str, contract, after: SV.Card, moved, amount: int, **facts) -> None:
    c = after.currency
    principal = sum(n for _, p, n in moved if p == SV.PRINCIPAL)
    uow.record(
        stream(member_id),
        uow.version(stream(member_id)),
        contract,
        {
            "member_id": member_id,
            "amount": _money(amount, c),
            "principal": _money(principal, c),
            "bonus": _money(amount - principal, c),
            "balance_after": _money(after.balance, c),
            "principal_after": _money(after.principal, c),
            "bonus_after": _money(after.bonus, c),
            "held_after": _money(after.held, c),
            **facts,
        },
    )


def offer(conn, member_id: str | None, store_id: str, amount: dict) -> dict:
    """What a top-up of ``amount`` at ``store_id`` would give: the bonus and where the card
    works; refused for a walk-in, an unknown member, an amount of zero or another currency."""
    if not is_member(conn, member_id):
        raise Unprocessable(
            "a card is a member's: give a member the top-up is for", {"customer_id": ["not a member"]}
        )
    refuse_erased(conn, member_id)
    try:
        if amount["amount_minor"] <= 0:
            raise Refused("amount", "a top-up is above zero", conflict=False)
        SV.same_currency(card_of(conn, member_id), amount["currency"])
    except Refused as error:
        raise refusal(error) from None
    rules = rules_of(conn)
    return {
        "bonus": _money(rules.bonus_on(amount["amount_minor"]), amount["currency"]),
        "works_in": rules.works_in(store_id),
    }


def load_paid(uow, paid: dict, now: datetime) -> None:
    """A paid order that sold top-ups loads the member's card with their principal and bonus, once."""
    sold = uow.conn.execute(
        select(stored_value_top_ups).where(stored_value_top_ups.c.order_id == paid["order_id"])
    ).first()
    if sold is None:
        return
    before = card(uow, sold.member_id)
    if any(x.load_id == sold.order_id for x in before.loads):
        return
    works_in = rules_of(uow.conn).works_in(sold.store_id)
    after = SV.load(before, sold.order_id, utc_iso(now), works_in, sold.principal, sold.bonus, sold.currency)
    parts = [(sold.order_id, SV.PRINCIPAL, sold.principal)] + (
        [(sold.order_id, SV.BONUS, sold.bonus)] if sold.bonus else []
    )
    _record(
        uow,
        sold.member_id,
        StoredValueLoaded,
        after,
        parts,
        sold.principal + sold.bonus,
        load_id=sold.order_id,
        order_id=sold.order_id,
        store_id=sold.store_id,
        works_in=works_in,
    )


def set_rules(uow, changes: dict, actor: dict) -> None:
    try:
        merged = SV.Rules.from_data({**rules_of(uow.conn).as_data(), **changes})
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        RULES_STREAM,
        uow.version(RULES_STREAM),
        StoredValueRulesChanged,
        {**merged.as_data(), "by": actor.get("account_id")},
    )


# --- the tender ----------------------------------------------------------------------------


def hold_row(conn, reference: str):
    return conn.execute(select(stored_value_holds).where(stored_value_holds.c.reference == reference)).first()


def hold_facts(member_id: str, order_id: str | None, h: SV.Hold, before: SV.Card, after: SV.Card) -> dict:
    return {
        "member_id": member_id,
        "reference": h.reference,
        "order_id": order_id,
        "store_id": h.store_id,
        "amount": _money(h.amount, after.currency),
        "parts": _moved(before, after, h.parts),
        "held_after": _money(after.held, after.currency),
    }


def authorize(
    uow,
    reference: str,
    member_id: str | None,
    store_id: str | None,
    order_id: str | None,
    amount: int,
    currency: str,
) -> dict:
    if member_id is None or store_id is None:
        return answer(DECLINED, "a card is a member's: the order has no member")
    before = card(uow, member_id)  # locked first: an authorize asked twice at once holds once
    row = hold_row(uow.conn, reference)
    if row is not None:
        return answer(DECLINED, "the hold was let go") if row.status == "voided" else answer(APPROVED)
    try:
        h = SV.hold(before, reference, store_id, amount, currency)
    except Refused as refused:
        return answer(DECLINED, refused.message)
    after = SV.held(before, h)
    uow.record(
        stream(member_id),
        uow.version(stream(member_id)),
        StoredValueHeld,
        hold_facts(member_id, order_id, h, before, after),
    )
    return answer(APPROVED)


def capture(uow, reference: str) -> dict:
    return take(uow, reference, StoredValueSpent)


def _locked(uow, reference: str):
    """(the hold's row, the member's card), the row read again once the card is locked: two
    steps of one payment at once (its request and its recovery timer) are decided one after
    the other, each seeing what the other did."""
    row = hold_row(uow.conn, reference)
    if row is None:
        return None, None
    locked = card(uow, row.member_id)
    return hold_row(uow.conn, reference), locked


def take(uow, reference: str, contract) -> dict:
    """A hold's parts taken off the card, recorded as ``contract`` (spent, or withdrawn by a
    top-up's refund)."""
    row, before = _locked(uow, reference)
    if row is None or row.status == "voided":
        return answer(DECLINED, "no hold to capture")
    if row.status == "held":
        h = before.hold_of(reference)
        after = SV.capture(before, reference)
        _record(
            uow,
            row.member_id,
            contract,
            after,
            h.parts,
            h.amount,
            reference=reference,
            order_id=row.order_id,
            store_id=h.store_id,
            parts=_moved(before, after, h.parts),
        )
    return answer(APPROVED, captured=row.amount_minor)


def void(uow, reference: str) -> dict:
    row, before = _locked(uow, reference)
    if row is not None and row.status == "captured":
        return answer(DECLINED, "the card was charged: refund it instead")
    if row is not None and row.status == "held":
        h = before.hold_of(reference)
        after = SV.release(before, reference)
        uow.record(
            stream(row.member_id),
            uow.version(stream(row.member_id)),
            StoredValueReleased,
            hold_facts(row.member_id, row.order_id, h, before, after),
        )
    return answer(APPROVED, voided=True)


def refund(uow, reference: str, amount: int, refund_ref: str, now: datetime) -> dict:
    row, before = _locked(uow, reference)
    if row is None or row.status != "captured":
        return answer(DECLINED, "no charge of the card to give back")
    refs = json.loads(row.refund_refs)
    if refund_ref in refs:
        return answer(APPROVED, refunded=amount)
    total = row.refunded_minor + amount
    if total > row.amount_minor:
        return answer(
            DECLINED, f"at most {row.amount_minor - row.refunded_minor} of this charge is left to give back"
        )
    restored_before = _parts(row.restored)
    parts = SV.give_back(_parts(row.parts), restored_before, total)
    after = SV.restore(before, parts)
    _record(
        uow,
        row.member_id,
        StoredValueRestored,
        after,
        parts,
        amount,
        reference=reference,
        order_id=row.order_id,
        refund_ref=refund_ref,
        parts=_moved(before, after, parts),
        refunded_after=_money(total, after.currency),
        refund_refs_after=[*refs, refund_ref],
        restored_after=[
            {"load_id": load_id, "part": part, "amount_minor": n}
            for load_id, part, n in SV.merged(restored_before + parts)
        ],
    )
    return answer(APPROVED, refunded=amount)


def inquire(conn, reference: str) -> dict:
    return inquired(hold_row(conn, reference))
