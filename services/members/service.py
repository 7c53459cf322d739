"""The members service's nameko face: it turns identity's sign-ups into members and answers
member queries (and /readyz pings)."""
from sqlalchemy import select

from services.identity.contracts import MemberSignedUp
from shared.errors import NotFound
from shared.handlers import handles
from shared.kernel import Kernel, Pingable
from shared.rpc import rpc

from .app import APP
from .contracts import MemberRegistered
from .domain import member_from_sign_up, stream_of
from .projections import member_view
from .tables import members


class MembersService(Pingable):
    name = "members"
    kernel = Kernel(APP)

    @handles(MemberSignedUp)
    def on_member_signed_up(self, event, uow):
        member = member_from_sign_up(event.data)
        stream = stream_of(member["member_id"])
        # The inbox already drops a redelivered event; this also covers a second sign-up
        # event (a new id) for a member that exists: the first registration stands.
        if uow.version(stream) == 0:
            uow.record(stream, 0, MemberRegistered, member)

    @rpc
    def get_member(self, member_id: str, wait_seconds: float | None = None) -> dict:
        """One member; waits (bounded) for it, since the gateway asks right after sign-up,
        before identity's event may have reached this service."""
        def query(conn):
            return conn.execute(select(members).where(members.c.member_id == member_id)).first()

        row = self.kernel.wait_for(query, wait_seconds)
        if row is None:
            raise NotFound(f"no member {member_id}", {"member_id": member_id})
        return member_view(row)


SERVICE = MembersService
