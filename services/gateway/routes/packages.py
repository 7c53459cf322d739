"""Service packages: HQ's catalogue (defined and retired by HQ admins, read by anyone: the
packages' terms) and a member's packages with their ledger. Packages are sold as order
lines (``POST /api/v1/orders``) and a session pays as a tender (``.../payments``)."""

from ..api import PUBLIC, endpoint
from ..roles import ADMIN
from ..schemas import packages as schemas
from .members import MEMBER_PATH, PROFILE_READERS

PACKAGE_PATH = "/api/v1/loyalty/packages/<string:package_id>"


class PackageRoutes:
    @endpoint(
        "POST",
        "/api/v1/loyalty/packages",
        roles=ADMIN,
        body=schemas.PackageRequest,
        response=schemas.Package,
        status=201,
        errors=(404, 409, 422),
        idempotent="required",
        location="/api/v1/loyalty/packages/{package_id}",
    )
    def define_package(self, call):
        """A package: sessions of one catalogue service for one price, valid for some days
        from purchase, sold in some stores (or every one) and working where it is sold (HQ
        admins). Its terms never change: retire it and define another."""
        wanted = call.wire()
        self.booking.get_service(wanted["service_id"])  # a service the catalogue has
        package = self.members.define_package(
            wanted=wanted, actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = package["package_id"]
        return package

    @endpoint(
        "GET",
        "/api/v1/loyalty/packages",
        roles=PUBLIC,
        query=schemas.PackagesQuery,
        response=schemas.PackageList,
    )
    def list_packages(self, call):
        """HQ's packages by name, those sold in a store if asked (public: the packages' terms)."""
        return self.members.list_packages(**call.query)

    @endpoint("GET", PACKAGE_PATH, roles=PUBLIC, response=schemas.Package, errors=(404,))
    def get_package(self, call, package_id):
        """One package of HQ's catalogue (public)."""
        return self.members.get_package(package_id=package_id)

    @endpoint("POST", f"{PACKAGE_PATH}/retire", roles=ADMIN, response=schemas.Package, errors=(404,))
    def retire_package(self, call, package_id):
        """No longer sold; the packages members bought keep working until they expire (HQ admins)."""
        call.audit["target_id"] = package_id
        return self.members.retire_package(package_id=package_id, actor=call.actor())

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/packages",
        roles=PROFILE_READERS,
        query=schemas.MemberPackagesQuery,
        response=schemas.MemberPackages,
        errors=(404,),
    )
    def get_member_packages(self, call, member_id):
        """A member's packages (sessions and value left, where they work, expiry, status),
        what they are still worth, and the ledger line by line, newest first (the member, HQ,
        or the staff of a store that knows them)."""
        self._profile(call, member_id)
        return self.members.get_packages(member_id=member_id, **call.query)
