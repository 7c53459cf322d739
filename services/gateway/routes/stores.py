"""Stores (HQ admins), their staff and resources (store managers for their stores, HQ
everywhere). Store profiles are public: customers choose where to book."""
from shared.errors import NotFound

from ..api import PUBLIC, Call, endpoint
from ..auth import require_store, require_visible
from ..roles import ADMIN, MANAGERS, STORE_VIEWERS
from ..schemas import stores as schemas

STAFF_PATH = "/api/v1/stores/<string:store_id>/staff/<string:staff_id>"
RESOURCE_PATH = "/api/v1/stores/<string:store_id>/resources/<string:resource_id>"



def of_store(fetch, ident: str, store_id: str, what: str) -> dict:
    """The entity, if it belongs to the store in the path; else a 404 like a missing one."""
    try:
        found = fetch(ident)
    except NotFound:
        found = None
    if found is None or found["store_id"] != store_id:
        raise NotFound(f"no {what} {ident} at store {store_id}")
    return found


class StoreRoutes:
    @endpoint("POST", "/api/v1/stores", roles=ADMIN, body=schemas.StoreCreate, response=schemas.Store,
              status=201, errors=(409, 422), etag=True, location="/api/v1/stores/{store_id}")
    def open_store(self, call):
        """Open a store (HQ admins): hours, closures, slot grid, online limits, policy."""
        body = call.wire()
        store = self.booking.open_store(settings={k: v for k, v in body.items() if k != "store_id"},
                                        store_id=body.get("store_id"), actor=call.actor())
        call.audit.update(target_id=store["store_id"], store_id=store["store_id"])
        return store

    @endpoint("GET", "/api/v1/stores", roles=PUBLIC, query=schemas.StoresQuery, response=schemas.StoreList)
    def list_stores(self, call):
        """The chain's stores (public)."""
        return self.booking.list_stores(**call.query)

    @endpoint("GET", "/api/v1/stores/<string:store_id>", roles=PUBLIC, response=schemas.Store,
              errors=(404,), etag=True)
    def get_store(self, call, store_id):
        """One store (public); its ETag is the version to send back as If-Match."""
        return self.booking.get_store(store_id)

    @endpoint("PATCH", "/api/v1/stores/<string:store_id>", roles=ADMIN, body=schemas.StoreChanges,
              response=schemas.Store, errors=(404, 412, 422, 428), if_match=True, etag=True)
    def update_store(self, call, store_id):
        """Change a store's settings (HQ admins); If-Match must carry its version."""
        return self.booking.update_store(store_id=store_id, changes=call.wire(),
                                         expected_version=call.expected_version, actor=call.actor())

    @endpoint("POST", "/api/v1/stores/<string:store_id>/close", roles=ADMIN, body=schemas.StoreStatusChange,
              response=schemas.Store, errors=(404, 409, 412), if_match="optional", etag=True)
    def close_store(self, call, store_id):
        """Close a store: it takes no new bookings; those it has stay (HQ admins)."""
        return self.booking.set_store_status(store_id=store_id, status="closed", reason=call.body["reason"],
                                             expected_version=call.expected_version, actor=call.actor())

    @endpoint("POST", "/api/v1/stores/<string:store_id>/reopen", roles=ADMIN, body=schemas.StoreStatusChange,
              response=schemas.Store, errors=(404, 409, 412), if_match="optional", etag=True)
    def reopen_store(self, call, store_id):
        """Reopen a closed store (HQ admins)."""
        return self.booking.set_store_status(store_id=store_id, status="open", reason=call.body["reason"],
                                             expected_version=call.expected_version, actor=call.actor())

    # --- staff ----------------------------------------------------------------------------

    @endpoint("POST", "/api/v1/stores/<string:store_id>/staff", roles=MANAGERS, body=schemas.StaffCreate,
              response=schemas.StaffMember, status=201, errors=(404, 409, 422), etag=True,
              location="/api/v1/stores/{store_id}/staff/{staff_id}")
    def hire_staff(self, call, store_id):
        """Hire: level, skills, weekly shifts with breaks, overrides, time off, login account."""
        call.audit["role"] = require_store(call.caller, MANAGERS, store_id)
        body = call.wire()
        member = self.booking.hire_staff(store_id=store_id, staff_id=body.pop("staff_id", None),
                                         settings=body, actor=call.actor())
        call.audit["target_id"] = member["staff_id"]
        return member

    @endpoint("GET", "/api/v1/stores/<string:store_id>/staff", roles=PUBLIC, identifies=True,
              query=schemas.StaffQuery, response=schemas.StaffList, errors=(404,))
    def list_staff(self, call, store_id):
        """A store's staff: display names and skills for everyone, everything for its people."""
        mine = call.caller is not None and call.caller.may_see(STORE_VIEWERS, store_id) is not None
        found = self.booking.list_staff(store_id=store_id, include_left=call.query["include_left"] and mine)
        if not mine:
            return schemas.PublicStaffList().dump(found)
        return found

    @endpoint("GET", STAFF_PATH, roles=STORE_VIEWERS, response=schemas.StaffMember, errors=(404,), etag=True)
    def get_staff(self, call, store_id, staff_id):
        """One staff member, for their store's people and HQ."""
        return self._staff_of(call, store_id, staff_id)

    @endpoint("PATCH", STAFF_PATH, roles=MANAGERS, body=schemas.StaffChanges, response=schemas.StaffMember,
              errors=(404, 409, 412, 422, 428), if_match=True, etag=True)
    def update_staff(self, call, store_id, staff_id):
        """Change skills, shifts, overrides, time off or the linked account."""
        call.audit["role"] = require_store(call.caller, MANAGERS, store_id)
        self._staff_of(call, store_id, staff_id)
        return self.booking.update_staff(staff_id=staff_id, changes=call.wire(),
                                         expected_version=call.expected_version, actor=call.actor())

    @endpoint("POST", f"{STAFF_PATH}/let-go", roles=MANAGERS, response=schemas.LetGo,
              errors=(404, 409, 412), if_match="optional", etag=True)
    def let_go(self, call, store_id, staff_id):
        """They leave: history kept, their future bookings listed to reassign."""
        call.audit["role"] = require_store(call.caller, MANAGERS, store_id)
        self._staff_of(call, store_id, staff_id)
        return self.booking.let_go(staff_id=staff_id, expected_version=call.expected_version,
                                   actor=call.actor())

    def _staff_of(self, call: Call, store_id: str, staff_id: str) -> dict:
        require_visible(call.caller, STORE_VIEWERS, store_id, None, "staff member", staff_id)
        return of_store(self.booking.get_staff, staff_id, store_id, "staff member")

    # --- resources ------------------------------------------------------------------------

    @endpoint("POST", "/api/v1/stores/<string:store_id>/resources", roles=MANAGERS,
              body=schemas.ResourceCreate, response=schemas.Resource, status=201, errors=(404, 409, 422),
              etag=True, location="/api/v1/stores/{store_id}/resources/{resource_id}")
    def add_resource(self, call, store_id):
        """Add a resource type (chairs, basins, rooms, ...) with its number of units."""
        call.audit["role"] = require_store(call.caller, MANAGERS, store_id)
        body = call.wire()
        resource = self.booking.add_resource(store_id=store_id, resource_id=body.pop("resource_id", None),
                                             settings=body, actor=call.actor())
        call.audit["target_id"] = resource["resource_id"]
        return resource

    @endpoint("GET", "/api/v1/stores/<string:store_id>/resources", roles=STORE_VIEWERS,
              response=schemas.ResourceList, errors=(404,))
    def list_resources(self, call, store_id):
        """A store's resources, for its people and HQ."""
        require_visible(call.caller, STORE_VIEWERS, store_id, None, "store", store_id)
        return self.booking.list_resources(store_id=store_id)

    @endpoint("PATCH", RESOURCE_PATH, roles=MANAGERS, body=schemas.ResourceChanges, response=schemas.Resource,
              errors=(404, 409, 412, 422, 428), if_match=True, etag=True)
    def update_resource(self, call, store_id, resource_id):
        """Change a resource's units or name; units held by future bookings cannot go."""
        call.audit["role"] = require_store(call.caller, MANAGERS, store_id)
        of_store(self.booking.get_resource, resource_id, store_id, "resource")
        return self.booking.update_resource(resource_id=resource_id, changes=call.wire(),
                                            expected_version=call.expected_version, actor=call.actor())
