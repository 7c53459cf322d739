"""A catalogue service's recipe: the materials one performance of it takes (60 ml of dye,
90 ml of developer, a pair of gloves), with variants for a staff level (a senior colourist
may use less than a junior) or a hair length. Which variant applies is decided here: the
most specific one the visit matches, else the recipe's base."""

from dataclasses import dataclass

from shared.refusals import Refused

HAIR_LENGTHS = ("short", "medium", "long")
MAX_ITEMS = 50


@dataclass(frozen=True)
class Item:
    product_id: str
    units: int  # of the product's unit


@dataclass(frozen=True)
class Variant:
    level: str | None  # staff level; None: any
    hair_length: str | None  # None: any
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Recipe:
    service_id: str
    items: tuple[Item, ...]
    variants: tuple[Variant, ...] = ()

    def for_visit(self, level: str | None, hair_length: str | None = None) -> tuple[Item, ...]:
        """The items of the variant matching both the level and the hair length, else one
        matching either (the level first), else the base items."""
        wanted = [(level, hair_length), (level, None), (None, hair_length)]
        by_key = {(v.level, v.hair_length): v.items for v in self.variants}
        for key in wanted:
            if key != (None, None) and key in by_key:
                return by_key[key]
        return self.items


def _items(items: tuple[Item, ...], where: str) -> tuple[Item, ...]:
    if not items:
        raise Refused(where, "a recipe takes at least one product", conflict=False)
    if len(items) > MAX_ITEMS:
        raise Refused(where, f"a recipe takes at most {MAX_ITEMS} products", conflict=False)
    seen = set()
    for item in items:
        if item.product_id in seen:
            raise Refused(where, f"{item.product_id} is named twice", conflict=False)
        if item.units < 1:
            raise Refused(where, "a recipe takes at least 1 unit of each product", conflict=False)
        seen.add(item.product_id)
    return items


def checked(recipe: Recipe) -> Recipe:
    _items(recipe.items, "items")
    keys = set()
    for variant in recipe.variants:
        key = (variant.level, variant.hair_length)
        if key == (None, None):
            raise Refused("variants", "a variant names a staff level, a hair length or both", conflict=False)
        if variant.hair_length is not None and variant.hair_length not in HAIR_LENGTHS:
            raise Refused("variants", f"a hair length is one of {', '.join(HAIR_LENGTHS)}", conflict=False)
        if key in keys:
            raise Refused("variants", "two variants for the same level and hair length", conflict=False)
        keys.add(key)
        _items(variant.items, "variants")
    return recipe
