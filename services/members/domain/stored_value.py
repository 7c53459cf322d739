"""Stored value: a member's prepaid card, as loads of money that payments hold and spend.

Each top-up is a load: the principal the member paid and the bonus HQ's rules gave on top
(pay 1,000, get 1,100), and where it works (every store, or only the store that sold it, as
HQ's setting said when it was sold). A payment at a store holds exact parts of the loads that
work there: all their principal first, oldest first, then their bonus (the bonus is spent
last). The hold is what the payment may capture; what another hold reserved is not there to
take, so two stores spending at once can never take the same money and the card is never
negative. A refund of a spend gives back to the parts it took, principal and bonus in the
proportion they were spent. A refund of the top-up itself takes its unspent principal back
off the card, and the bonus that principal brought with it. The balance is always the loads'
principal and bonus, and the sum of the ledger's lines. Pure: the service records each
movement with the parts it moved.
"""

from dataclasses import dataclass, replace

from shared.refusals import Refused

PRINCIPAL, BONUS = "principal", "bonus"
CHAIN, STORE = "chain", "store"  # where a card sold under the rules works: every store, or its own


@dataclass(frozen=True)
class Rules:
    scope: str = CHAIN
    bonuses: tuple[tuple[int, int], ...] = ()  # (a top-up of at least, the bonus on it), minor units

    def __post_init__(self):
        if self.scope not in (CHAIN, STORE):
            raise Refused("scope", f"a card works in the {CHAIN} or its {STORE}", conflict=False)
        for at_least, bonus in self.bonuses:
            if at_least <= 0 or bonus < 0:
                raise Refused(
                    "bonuses", "a bonus is for a top-up above zero, and not negative", conflict=False
                )

    @classmethod
    def from_data(cls, data: dict | None) -> "Rules":
        data = data or {}
        return cls(
            data.get("scope", CHAIN),
            tuple(sorted((b["at_least_minor"], b["bonus_minor"]) for b in data.get("bonuses", ()))),
        )

    def as_data(self) -> dict:
        return {
            "scope": self.scope,
            "bonuses": [{"at_least_minor": a, "bonus_minor": b} for a, b in self.bonuses],
        }

    def bonus_on(self, amount: int) -> int:
        """The bonus of the largest step the top-up reaches (none below the first)."""
        return max((bonus for at_least, bonus in self.bonuses if amount >= at_least), default=0)

    def works_in(self, sold_at: str) -> str | None:
        return None if self.scope == CHAIN else sold_at


@dataclass(frozen=True)
class Load:
    load_id: str
    loaded_at: str  # UTC, ISO 8601: principal is spent oldest load first
    works_in: str | None  # a store id, or None: every store
    principal: int  # what is left of each part
    bonus: int

    def left(self, part: str) -> int:
        return self.principal if part == PRINCIPAL else self.bonus


Part = tuple[str, str, int]  # (load id, principal or bonus, amount)


@dataclass(frozen=True)
class Hold:
    reference: str  # the orders' tender id
    store_id: str
    parts: tuple[Part, ...]

    @property
    def amount(self) -> int:
        return sum(n for _, _, n in self.parts)


@dataclass(frozen=True)
class Card:
    currency: str | None = None  # the first top-up's; every later movement is in it
    loads: tuple[Load, ...] = ()  # oldest first
    holds: tuple[Hold, ...] = ()

    @property
    def balance(self) -> int:
        return sum(x.principal + x.bonus for x in self.loads)

    @property
    def principal(self) -> int:
        return sum(x.principal for x in self.loads)

    @property
    def bonus(self) -> int:
        return sum(x.bonus for x in self.loads)

    @property
    def held(self) -> int:
        return sum(h.amount for h in self.holds)

    def reserved(self, load_id: str, part: str) -> int:
        return sum(n for h in self.holds for lid, p, n in h.parts if (lid, p) == (load_id, part))

    def usable(self, store_id: str) -> list[Load]:
        return [x for x in self.loads if x.works_in in (None, store_id)]

    def available(self, store_id: str) -> int:
        """What a payment at ``store_id`` may hold now."""
        return sum(
            x.left(p) - self.reserved(x.load_id, p) for x in self.usable(store_id) for p in (PRINCIPAL, BONUS)
        )

    def hold_of(self, reference: str) -> Hold | None:
        return next((h for h in self.holds if h.reference == reference), None)


def same_currency(card: Card, currency: str) -> None:
    if card.currency is not None and currency != card.currency:
        raise Refused("currency", f"the card is in {card.currency}, not {currency}", conflict=False)


def load(
    card: Card, load_id: str, loaded_at: str, works_in: str | None, principal: int, bonus: int, currency: str
) -> Card:
    """A paid top-up: its principal and bonus added as a load of their own."""
    if principal <= 0 or bonus < 0:
        raise Refused("amount", "a top-up is above zero and its bonus not negative", conflict=False)
    same_currency(card, currency)
    if any(x.load_id == load_id for x in card.loads):
        raise Refused("load_id", f"the card has a load {load_id} already")
    return replace(
        card, currency=currency, loads=card.loads + (Load(load_id, loaded_at, works_in, principal, bonus),)
    )


def hold(card: Card, reference: str, store_id: str, amount: int, currency: str) -> Hold:
    """The parts a payment of ``amount`` at ``store_id`` keeps: principal first, oldest load
    first, then bonus; refused if the card cannot cover all of it here."""
    if amount <= 0:
        raise Refused("amount", "an amount above zero", conflict=False)
    if card.currency is None:
        raise Refused("stored_value", "the member has no card: it is topped up first")
    same_currency(card, currency)
    if amount > card.available(store_id):
        raise Refused("stored_value", f"the card has {card.available(store_id)} to spend in this store")
    parts, left = [], amount
    for part in (PRINCIPAL, BONUS):
        for x in card.usable(store_id):
            n = min(x.left(part) - card.reserved(x.load_id, part), left)
            if n > 0:
                parts.append((x.load_id, part, n))
                left -= n
    return Hold(reference, store_id, tuple(parts))


def held(card: Card, h: Hold) -> Card:
    return replace(card, holds=card.holds + (h,))


def merged(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """The parts summed per load and part, in the order first seen."""
    total: dict[tuple[str, str], int] = {}
    for load_id, part, n in parts:
        total[(load_id, part)] = total.get((load_id, part), 0) + n
    return tuple((load_id, part, n) for (load_id, part), n in total.items())


def _moved(card: Card, parts: tuple[Part, ...], sign: int) -> tuple[Load, ...]:
    change = {(load_id, part): sign * n for load_id, part, n in merged(parts)}
    return tuple(
        replace(
            x,
            principal=x.principal + change.get((x.load_id, PRINCIPAL), 0),
            bonus=x.bonus + change.get((x.load_id, BONUS), 0),
        )
        for x in card.loads
    )


def release(card: Card, reference: str) -> Card:
    return replace(card, holds=tuple(h for h in card.holds if h.reference != reference))


def capture(card: Card, reference: str) -> Card:
    """The hold's parts are spent, exactly as held."""
    h = card.hold_of(reference)
    if h is None:
        raise Refused("reference", "no hold to capture")
    return replace(release(card, reference), loads=_moved(card, h.parts, -1))


def give_back(
    spent: tuple[Part, ...], back_before: tuple[Part, ...], refunded_total: int
) -> tuple[Part, ...]:
    """The parts a refund gives back to a spend, so that all its refunds so far
    (``refunded_total``) have given back principal and bonus in the proportion they were
    spent, each part at most what was taken from it."""
    spent_amount = sum(n for _, _, n in spent)
    refunded_total = min(refunded_total, spent_amount)
    principal_spent = sum(n for _, p, n in spent if p == PRINCIPAL)
    principal_target = principal_spent * refunded_total // spent_amount if spent_amount else 0
    targets = {PRINCIPAL: principal_target, BONUS: refunded_total - principal_target}
    before = {(load_id, part): n for load_id, part, n in merged(back_before)}
    parts = []
    for part in (PRINCIPAL, BONUS):
        left = targets[part] - sum(n for (_, p), n in before.items() if p == part)
        for load_id, p, n in spent:
            if p != part or left <= 0:
                continue
            room = n - before.get((load_id, p), 0)
            take = min(room, left)
            if take > 0:
                parts.append((load_id, p, take))
                before[(load_id, p)] = before.get((load_id, p), 0) + take
                left -= take
    return tuple(parts)


def restore(card: Card, parts: tuple[Part, ...]) -> Card:
    return replace(card, loads=_moved(card, parts, +1))


def withdrawal(card: Card, reference: str, load_id: str, store_id: str, principal: int) -> Hold:
    """A refund of a top-up takes back principal left on its own load (never what payments
    hold), and with it the share of the load's bonus that principal brought: the bonus is
    not refundable. Held until the money has gone back, then taken."""
    if principal <= 0:
        raise Refused("amount", "an amount above zero", conflict=False)
    found = next((x for x in card.loads if x.load_id == load_id), None)
    if found is None:
        raise Refused("stored_value", "the top-up is not on the member's card")
    free = found.principal - card.reserved(load_id, PRINCIPAL)
    if principal > free:
        raise Refused("stored_value", f"only {free} of the top-up is left on the card to give back")
    brought = -(-found.bonus * principal // found.principal)  # rounded up: no bonus kept for free
    forfeited = min(brought, found.bonus - card.reserved(load_id, BONUS))
    parts = ((load_id, PRINCIPAL, principal),) + (((load_id, BONUS, forfeited),) if forfeited > 0 else ())
    return Hold(reference, store_id, parts)
