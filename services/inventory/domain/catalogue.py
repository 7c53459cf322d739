"""A product of HQ's catalogue: what it is (SKU, barcode, name, brand, category), how it is
counted (its unit: pieces, millilitres or grams, and how many of them one pack holds), what
a pack costs and sells for, whether it is sold at retail or only used in services, and
whether its stock comes in lots with expiry dates.

Stock is always counted in the product's unit; a pack is what is bought and what a retail
line sells, so a request may name a quantity in packs and it is turned into units here.
"""

import re
from dataclasses import dataclass, replace

from shared.refusals import Refused

UNITS = ("piece", "ml", "g")
PACK = "pack"
USES = ("retail", "professional", "both")
MAX_PACK = 100_000
MAX_QUANTITY = 10_000_000  # units in one movement: a pallet of 10 l bottles in ml
SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
BARCODE = re.compile(r"^[0-9]{8,14}$")  # EAN-8, UPC-A, EAN-13, GTIN-14


def refused(field: str, message: str) -> Refused:
    return Refused(field, message, conflict=False)


@dataclass(frozen=True)
class Product:
    product_id: str
    sku: str
    barcode: str | None
    name: str
    brand: str | None
    category: str
    unit: str
    pack_size: int  # units in one pack
    cost: int  # of one pack, minor units, tax excluded
    price: int | None  # retail, of one pack, tax included; None: not sold
    currency: str
    use: str
    tracks_lots: bool
    active: bool = True

    @property
    def sold_at_retail(self) -> bool:
        return self.use in ("retail", "both")

    def units(self, quantity: int, unit: str) -> int:
        """``quantity`` of ``unit`` (the product's own, or packs) as units of the product;
        a quantity of zero or less, or another unit, is refused."""
        if unit not in (self.unit, PACK):
            raise refused("unit", f"{self.sku} is counted in {self.unit} (or in packs of {self.pack_size})")
        if quantity < 1:
            raise refused("quantity", "a quantity is at least 1")
        units = quantity * (self.pack_size if unit == PACK else 1)
        if units > MAX_QUANTITY:
            raise refused("quantity", f"at most {MAX_QUANTITY} {self.unit} in one movement")
        return units

    def cost_of(self, units: int) -> int:
        """What ``units`` cost at the catalogue's price of a pack, to the nearest minor unit."""
        return (self.cost * units * 2 + self.pack_size) // (2 * self.pack_size)

    def retail_price(self, override: int | None) -> int:
        """The price of a pack sold in a store (its own price if it set one); refused for a
        product not sold at retail or no longer active."""
        if not self.active:
            raise refused("ref", f"{self.sku} is no longer sold")
        if not self.sold_at_retail:
            raise refused("ref", f"{self.sku} is for use in services only, not for sale")
        found = self.price if override is None else override
        if found is None:
            raise refused("ref", f"{self.sku} has no retail price")
        return found


def checked(product: Product) -> Product:
    """The product if its terms hold together, else the first rule it breaks."""
    if not SKU.match(product.sku):
        raise refused("sku", "a SKU is 1 to 40 letters, digits, dots, dashes or underscores")
    if product.barcode is not None and not BARCODE.match(product.barcode):
        raise refused("barcode", "a barcode is 8 to 14 digits (EAN or UPC)")
    if product.unit not in UNITS:
        raise refused("unit", f"a product is counted in one of {', '.join(UNITS)}")
    if not 1 <= product.pack_size <= MAX_PACK:
        raise refused("pack_size", f"a pack holds 1 to {MAX_PACK} units")
    if product.use not in USES:
        raise refused("use", f"a product's use is one of {', '.join(USES)}")
    if product.cost < 0 or (product.price is not None and product.price < 0):
        raise refused("cost", "a cost or a price is not negative")
    if product.sold_at_retail and product.price is None:
        raise refused("price", "a product sold at retail needs its price")
    return product


CHANGEABLE = ("name", "brand", "category", "barcode", "cost", "price", "use", "active")


def changed(product: Product, changes: dict) -> Product:
    """The product with ``changes`` (of CHANGEABLE); its SKU, unit, pack size and currency
    never change, since every movement, order line and purchase order already recorded names
    or counts the product by them."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise refused(unknown[0], f"{unknown[0]} cannot be changed: define another product")
    return checked(replace(product, **changes))
