"""Signed callbacks: a body signed with the shared secret is accepted within the tolerance;
a forged, altered, stale or malformed one is refused, saying why."""
import pytest

from shared.signing import BadSignature, sign, verify

SECRET = "provider-secret"
BODY = b'{"id":"cb-1","reference":"pay-1","outcome":"approved"}'


def test_a_body_signed_with_the_secret_is_accepted_and_its_time_returned():
    header = sign(SECRET, BODY, timestamp=1_800_000_000)
    assert verify(SECRET, header, BODY, now=1_800_000_010) == 1_800_000_000


@pytest.mark.parametrize("header, body, why", [
    (None, BODY, "no signature"),
    ("garbage", BODY, "t=<unix time>"),
    ("t=soon,v1=abc", BODY, "t=<unix time>"),
    (sign("another-secret", BODY, timestamp=1_800_000_000), BODY, "does not match"),
    (sign(SECRET, BODY, timestamp=1_800_000_000), BODY.replace(b"approved", b"declined"), "does not match"),
    (sign(SECRET, BODY, timestamp=1_800_000_000 - 301), BODY, "more than 300 s"),
    (sign(SECRET, BODY, timestamp=1_800_000_000 + 301), BODY, "more than 300 s"),
])
def test_a_forged_altered_stale_or_malformed_signature_is_refused(header, body, why):
    with pytest.raises(BadSignature, match=why):
        verify(SECRET, header, body, now=1_800_000_000)
