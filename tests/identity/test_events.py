"""What identity publishes: valid against its contracts, and never a secret."""
import json

import pytest

from shared.contracts import lookup
from shared.errors import Unauthorized
from shared.testing import envelope_validator

from .conftest import PASSWORD, register, staff_account


def test_published_events_validate_against_their_contracts_and_carry_no_secret(rpc, published):
    made = register(rpc, username="camille")
    account = staff_account(rpc)
    rpc.update_account(account_id=account["account_id"], expected_version=1, disabled=True)
    rpc.set_password(account_id=made["account_id"], new_password="a second password")
    issued = rpc.issue_token(username="camille", password="a second password")
    with pytest.raises(Unauthorized):
        rpc.issue_token(username="camille", password=PASSWORD)

    messages = published.wait_for(7)
    bodies = [json.loads(m.body) for m in messages]
    assert sorted(b["type"] for b in bodies) == sorted([
        "AccountOpened", "MemberSignedUp", "AccountOpened", "AccountChanged", "PasswordChanged",
        "AuditRecorded", "AuditRecorded"])
    for message, body in zip(messages, bodies, strict=True):
        contract = lookup(body["type"], body["schemaversion"])
        assert list(envelope_validator(contract).iter_errors(body)) == []
        contract.validate(body["data"])
        text = message.body if isinstance(message.body, str) else message.body.decode()
        for secret in (PASSWORD, "a second password", "$argon2", issued["refresh_token"]):
            assert secret not in text
    signed_up = next(b for b in bodies if b["type"] == "MemberSignedUp")
    assert signed_up["data"]["account_id"] == made["account_id"]
    assert signed_up["data"]["consents"] == {"terms": True, "marketing_email": False, "marketing_sms": True}
    opened = next(b for b in bodies if b["type"] == "AccountOpened"
                  and b["data"]["account_id"] == account["account_id"])
    assert opened["subject"] == f"account-{account['account_id']}"
    assert opened["storeid"] == "paris-opera"
    assert opened["data"]["opened_by"] == "hq-1"
