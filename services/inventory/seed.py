"""The demo chain's catalogue (``manage seed inventory``, which ``make run`` calls): HQ's
products, the colour service's recipe and a supplier of them all, through the same commands
the API uses. Running it again records nothing: each product and the supplier have ids of
their own and their streams must be new."""

from shared.db import Database
from shared.eventstore import EventStore
from shared.uow import run_unit_of_work

from . import catalogue, purchasing, recipes

HQ = {"account_id": None, "role": "hq_admin"}
SUPPLIER_ID = "demo-supplier"
# product id, SKU, barcode, name, brand, category, unit, pack size, cost, price, use
PRODUCTS = [
    (
        "demo-dye-6n",
        "DYE-6N",
        "3401234567890",
        "Permanent colour 6N",
        "Lumière",
        "colour",
        "ml",
        60,
        450,
        None,
        "professional",
    ),
    (
        "demo-developer-20",
        "DEV-20",
        "3401234567891",
        "Developer 20 vol",
        "Lumière",
        "colour",
        "ml",
        1000,
        900,
        None,
        "professional",
    ),
    (
        "demo-gloves",
        "GLOVES-M",
        None,
        "Nitrile gloves (pair)",
        None,
        "consumables",
        "piece",
        50,
        600,
        None,
        "professional",
    ),
    (
        "demo-shampoo-250",
        "SHAMPOO-250",
        "3401234567892",
        "Repair shampoo 250 ml",
        "Lumière",
        "retail-care",
        "piece",
        1,
        650,
        1890,
        "retail",
    ),
    (
        "demo-mask-200",
        "MASK-200",
        "3401234567893",
        "Nourishing mask 200 ml",
        "Lumière",
        "retail-care",
        "piece",
        1,
        900,
        2490,
        "both",
    ),
]
COLOUR_RECIPE = {
    "items": [
        {"product_id": "demo-dye-6n", "quantity": 60},
        {"product_id": "demo-developer-20", "quantity": 90},
        {"product_id": "demo-gloves", "quantity": 1},
    ]
}
SUPPLIER = {  # at a tenth below HQ's cost of each pack
    "name": "Maison Capillaire",
    "email": "commandes@capillaire.example",
    "phone": "+33 1 40 00 00 00",
    "contact_name": "Claire Martin",
    "lead_time_days": 3,
    "currency": "EUR",
    "products": [
        {"product_id": p[0], "price": {"amount_minor": p[8] * 9 // 10, "currency": "EUR"}} for p in PRODUCTS
    ],
}


def seed(db: Database, store: EventStore, projections) -> str:
    made = 0
    for product_id, sku, barcode, name, brand, category, unit, pack, cost, price, use in PRODUCTS:
        with db.read() as conn:
            if catalogue.product_row(conn, product_id) is not None:
                continue
        wanted = {
            "sku": sku,
            "barcode": barcode,
            "name": name,
            "brand": brand,
            "category": category,
            "unit": unit,
            "pack_size": pack,
            "cost": {"amount_minor": cost, "currency": "EUR"},
            "price": None if price is None else {"amount_minor": price, "currency": "EUR"},
            "use": use,
        }
        run_unit_of_work(
            db, store, projections, lambda uow, w=wanted, p=product_id: catalogue.define(uow, p, w, HQ)
        )
        made += 1
    with db.read() as conn:
        has_recipe = recipes.recipe_row(conn, "colour") is not None
    if not has_recipe:
        run_unit_of_work(
            db, store, projections, lambda uow: recipes.set_recipe(uow, "colour", COLOUR_RECIPE, HQ)
        )
    run_unit_of_work(
        db, store, projections, lambda uow: purchasing.define_supplier(uow, SUPPLIER_ID, SUPPLIER, HQ)
    )
    return f"{made} products, the colour recipe, a supplier"
