"""Access tokens across an AUTH_SECRET rotation: signed with the current secret only, still
accepted under a previous one while it is listed, refused once it is not."""
import pytest

from shared.errors import Unauthorized
from shared.tokens import MissingSecret, TokenSettings

OLD = "o" * 40
NEW = "n" * 40
OTHER = "x" * 40


def settings(secret: str, *previous: str) -> TokenSettings:
    return TokenSettings(secret, "salon-platform", "salon-api", 900, previous)


def test_a_token_signed_before_a_rotation_is_accepted_while_its_secret_is_listed_as_previous():
    token = settings(OLD).issue("account-1", "session-1", ["stylist"])

    claims = settings(NEW, OLD).verify(token)

    assert claims["sub"] == "account-1" and claims["sid"] == "session-1"


def test_a_token_signed_before_a_rotation_is_refused_once_its_secret_is_dropped():
    token = settings(OLD).issue("account-1", "session-1", [])

    with pytest.raises(Unauthorized, match="not valid"):
        settings(NEW).verify(token)


def test_new_tokens_are_signed_with_the_current_secret_never_a_previous_one():
    token = settings(NEW, OLD).issue("account-1", "session-1", [])

    assert settings(NEW).verify(token)["sub"] == "account-1"
    with pytest.raises(Unauthorized):
        settings(OLD).verify(token)


def test_a_token_under_an_unknown_secret_is_refused_even_with_previous_secrets_listed():
    token = settings(OTHER).issue("account-1", "session-1", [])

    with pytest.raises(Unauthorized, match="not valid"):
        settings(NEW, OLD).verify(token)


def test_an_expired_token_under_a_previous_secret_says_it_expired():
    token = TokenSettings(OLD, "salon-platform", "salon-api", -60).issue("account-1", "session-1", [])

    with pytest.raises(Unauthorized, match="expired"):
        settings(NEW, OLD).verify(token)


def test_previous_secrets_are_read_comma_separated_and_each_must_be_long_enough(monkeypatch):
    monkeypatch.setenv("AUTH_SECRET", NEW)
    monkeypatch.setenv("AUTH_SECRET_PREVIOUS", f"{OLD}, {OTHER}")
    assert TokenSettings.from_env().previous == (OLD, OTHER)

    monkeypatch.setenv("AUTH_SECRET_PREVIOUS", f"{OLD},short")
    with pytest.raises(MissingSecret, match="AUTH_SECRET_PREVIOUS"):
        TokenSettings.from_env()
