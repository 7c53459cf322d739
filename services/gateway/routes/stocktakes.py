"""Stocktakes: a store's managers open a count session (every product or some categories),
its staff enter counts and submit it, and its managers approve it (only then are the
variances posted on the stock), reopen it for a recount or cancel it."""

from ..api import endpoint
from ..auth import acting_for_store, require_store
from ..roles import MANAGERS, STORE_STAFF, STORE_VIEWERS
from ..schemas import stocktakes as schemas

STOCKTAKES_PATH = "/api/v1/stores/<string:store_id>/stocktakes"
STOCKTAKE_PATH = f"{STOCKTAKES_PATH}/<string:stocktake_id>"


class StocktakeRoutes:
    @endpoint(
        "POST",
        STOCKTAKES_PATH,
        roles=MANAGERS,
        body=schemas.StocktakeRequest,
        response=schemas.Stocktake,
        status=201,
        errors=(404, 409, 422),
        idempotent=True,
        location="/api/v1/stores/{store_id}/stocktakes/{stocktake_id}",
    )
    def open_stocktake(self, call, store_id):
        """Open a count session; one at a time per store (its managers, HQ)."""
        acting_for_store(call, MANAGERS, store_id)
        stocktake = self.inventory.open_stocktake(
            store_id=store_id, wanted=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = stocktake["stocktake_id"]
        return stocktake

    @endpoint(
        "GET",
        STOCKTAKES_PATH,
        roles=STORE_VIEWERS,
        query=schemas.StocktakesQuery,
        response=schemas.StocktakeList,
        errors=(404,),
    )
    def list_stocktakes(self, call, store_id):
        """The store's stocktakes, the latest first (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.stocktakes(store_id=store_id, **call.query)

    @endpoint("GET", STOCKTAKE_PATH, roles=STORE_VIEWERS, response=schemas.Stocktake, errors=(404,))
    def get_stocktake(self, call, store_id, stocktake_id):
        """A stocktake with each count's variance and what is not counted yet (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.stocktake(store_id=store_id, stocktake_id=stocktake_id)

    @endpoint(
        "POST",
        f"{STOCKTAKE_PATH}/counts",
        roles=STORE_STAFF,
        body=schemas.Counts,
        response=schemas.Stocktake,
        errors=(404, 409, 422),
    )
    def record_stocktake_counts(self, call, store_id, stocktake_id):
        """What is on the shelf, product by product; a product counted again replaces its
        count (its staff, HQ)."""
        acting_for_store(call, STORE_STAFF, store_id, stocktake_id)
        return self.inventory.record_stocktake_counts(
            store_id=store_id, stocktake_id=stocktake_id, lines=call.wire()["lines"], actor=call.actor()
        )

    def _stocktake_step(self, call, store_id, stocktake_id, action, roles, reason=None):
        acting_for_store(call, roles, store_id, stocktake_id)
        return self.inventory.act_on_stocktake(
            store_id=store_id, stocktake_id=stocktake_id, action=action, actor=call.actor(), reason=reason
        )

    @endpoint(
        "POST", f"{STOCKTAKE_PATH}/submit", roles=STORE_STAFF, response=schemas.Stocktake, errors=(404, 409)
    )
    def submit_stocktake(self, call, store_id, stocktake_id):
        """The counting is done: a manager approves it (its staff, HQ)."""
        return self._stocktake_step(call, store_id, stocktake_id, "submit", STORE_STAFF)

    @endpoint(
        "POST", f"{STOCKTAKE_PATH}/approve", roles=MANAGERS, response=schemas.Stocktake, errors=(404, 409)
    )
    def approve_stocktake(self, call, store_id, stocktake_id):
        """Post every variance on the stock (its managers, HQ)."""
        return self._stocktake_step(call, store_id, stocktake_id, "approve", MANAGERS)

    @endpoint(
        "POST",
        f"{STOCKTAKE_PATH}/reopen",
        roles=MANAGERS,
        body=schemas.OptionalReason,
        response=schemas.Stocktake,
        errors=(404, 409),
    )
    def reopen_stocktake(self, call, store_id, stocktake_id):
        """Back to counting, for a recount (its managers, HQ)."""
        return self._stocktake_step(
            call, store_id, stocktake_id, "reopen", MANAGERS, call.wire().get("reason")
        )

    @endpoint(
        "POST",
        f"{STOCKTAKE_PATH}/cancel",
        roles=MANAGERS,
        body=schemas.OptionalReason,
        response=schemas.Stocktake,
        errors=(404, 409),
    )
    def cancel_stocktake(self, call, store_id, stocktake_id):
        """Drop it: nothing is posted (its managers, HQ)."""
        return self._stocktake_step(
            call, store_id, stocktake_id, "cancel", MANAGERS, call.wire().get("reason")
        )
