"""Transfers of stock between stores: the store short of a product requests it from another
(its staff), the sending store's managers (or HQ) approve or reject, its staff dispatch (the
units are in transit, seen by both stores) and the receiving store's staff say what arrived.
The path's store is the one acting: the receiver requests, cancels and receives; the sender
approves, rejects and dispatches; either reads it."""

from ..api import endpoint
from ..auth import acting_for_store, require_store
from ..roles import MANAGERS, STORE_STAFF, STORE_VIEWERS
from ..schemas import transfers as schemas

TRANSFERS_PATH = "/api/v1/stores/<string:store_id>/transfers"
TRANSFER_PATH = f"{TRANSFERS_PATH}/<string:transfer_id>"


class TransferRoutes:
    @endpoint(
        "POST",
        TRANSFERS_PATH,
        roles=STORE_STAFF,
        body=schemas.TransferRequest,
        response=schemas.Transfer,
        status=201,
        errors=(404, 422),
        idempotent=True,
        location="/api/v1/stores/{to_store_id}/transfers/{transfer_id}",
    )
    def request_transfer(self, call, store_id):
        """Ask another store to send stock to this one (its staff, HQ)."""
        acting_for_store(call, STORE_STAFF, store_id)
        transfer = self.inventory.request_transfer(
            store_id=store_id, wanted=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = transfer["transfer_id"]
        return transfer

    @endpoint(
        "GET",
        TRANSFERS_PATH,
        roles=STORE_VIEWERS,
        query=schemas.TransfersQuery,
        response=schemas.TransferList,
        errors=(404,),
    )
    def list_transfers(self, call, store_id):
        """The store's transfers in and out, the latest first (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.transfers(store_id=store_id, **call.query)

    @endpoint("GET", TRANSFER_PATH, roles=STORE_VIEWERS, response=schemas.Transfer, errors=(404,))
    def get_transfer(self, call, store_id, transfer_id):
        """A transfer to or from the store, each line asked, sent, arrived (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.transfer(store_id=store_id, transfer_id=transfer_id)

    @endpoint(
        "POST", f"{TRANSFER_PATH}/approve", roles=MANAGERS, response=schemas.Transfer, errors=(404, 409)
    )
    def approve_transfer(self, call, store_id, transfer_id):
        """The sending store agrees to send (its managers, HQ)."""
        acting_for_store(call, MANAGERS, store_id, transfer_id)
        return self.inventory.approve_transfer(store_id=store_id, transfer_id=transfer_id, actor=call.actor())

    @endpoint(
        "POST",
        f"{TRANSFER_PATH}/reject",
        roles=MANAGERS,
        body=schemas.Reason,
        response=schemas.Transfer,
        errors=(404, 409),
    )
    def reject_transfer(self, call, store_id, transfer_id):
        """The sending store will not send, and says why (its managers, HQ)."""
        acting_for_store(call, MANAGERS, store_id, transfer_id)
        return self.inventory.reject_transfer(
            store_id=store_id, transfer_id=transfer_id, reason=call.wire()["reason"], actor=call.actor()
        )

    @endpoint(
        "POST",
        f"{TRANSFER_PATH}/cancel",
        roles=STORE_STAFF,
        body=schemas.OptionalReason,
        response=schemas.Transfer,
        errors=(404, 409),
    )
    def cancel_transfer(self, call, store_id, transfer_id):
        """The requesting store no longer needs it, until it is dispatched (its staff, HQ)."""
        acting_for_store(call, STORE_STAFF, store_id, transfer_id)
        return self.inventory.cancel_transfer(
            store_id=store_id, transfer_id=transfer_id, reason=call.wire().get("reason"), actor=call.actor()
        )

    @endpoint(
        "POST",
        f"{TRANSFER_PATH}/dispatch",
        roles=STORE_STAFF,
        body=schemas.Dispatch,
        response=schemas.Transfer,
        errors=(404, 409, 422),
        idempotent=True,
    )
    def dispatch_transfer(self, call, store_id, transfer_id):
        """Send it: the units leave this store's stock (never below zero) and are in transit
        (its staff, HQ)."""
        acting_for_store(call, STORE_STAFF, store_id, transfer_id)
        return self.inventory.dispatch_transfer(
            store_id=store_id,
            transfer_id=transfer_id,
            wanted=call.wire(),
            actor=call.actor(),
            idempotency_key=call.scoped_key(),
        )

    @endpoint(
        "POST",
        f"{TRANSFER_PATH}/receipt",
        roles=STORE_STAFF,
        body=schemas.Arrival,
        response=schemas.Transfer,
        errors=(404, 409, 422),
        idempotent=True,
    )
    def receive_transfer(self, call, store_id, transfer_id):
        """What arrived enters this store's stock at the value it left with; what did not is
        recorded as a discrepancy (its staff, HQ)."""
        acting_for_store(call, STORE_STAFF, store_id, transfer_id)
        return self.inventory.receive_transfer(
            store_id=store_id,
            transfer_id=transfer_id,
            wanted=call.wire(),
            actor=call.actor(),
            idempotency_key=call.scoped_key(),
        )
