"""The simulated payment provider: one payment per reference whatever is retried, a lost
answer found again by asking, holds that are captured, voided or refunded once, and
payments that outlive the process that asked for them."""

import pytest

from services.orders.provider import ABSENT, APPROVED, DECLINED, PENDING, ProviderTimeout, SimulatedProvider


@pytest.fixture
def provider(tmp_path):
    return SimulatedProvider(str(tmp_path / "provider.db"))


def test_asking_again_with_the_same_reference_returns_the_first_answer_and_charges_once(provider):
    first = provider.authorize("pay-1", "tok_approve", 2680, "EUR")
    assert first.status == APPROVED
    assert provider.authorize("pay-1", "tok_approve", 2680, "EUR") == first
    assert provider.capture("pay-1", 2680).captured == 2680
    assert provider.authorize("pay-1", "tok_approve", 2680, "EUR").captured == 2680  # still one payment


def test_a_timeout_with_a_lost_answer_is_found_approved_by_inquiry_and_never_charged_twice(provider):
    with pytest.raises(ProviderTimeout):
        provider.authorize("pay-2", "tok_timeout", 5000, "EUR")
    found = provider.inquire("pay-2")
    assert found.status == APPROVED
    assert provider.authorize("pay-2", "tok_timeout", 5000, "EUR") == found


def test_a_request_that_never_arrived_is_absent_on_inquiry(provider):
    with pytest.raises(ProviderTimeout):
        provider.authorize("pay-3", "tok_lost", 5000, "EUR")
    assert provider.inquire("pay-3").status == ABSENT


def test_a_declined_card_holds_nothing_and_cannot_be_captured(provider):
    assert provider.authorize("pay-4", "tok_decline", 100, "EUR").status == DECLINED
    assert provider.capture("pay-4", 100).captured == 0


def test_a_pending_payment_is_decided_later_once(provider):
    assert provider.authorize("pay-5", "tok_later", 100, "EUR").status == PENDING
    assert provider.confirm("pay-5").status == APPROVED
    assert provider.confirm("pay-5", approve=False).status == APPROVED  # decided already


def test_a_void_lets_an_uncaptured_hold_go_and_a_refund_gives_back_at_most_what_was_taken(provider):
    provider.authorize("pay-6", "tok_approve", 3000, "EUR")
    assert provider.void("pay-6").voided
    assert provider.capture("pay-6", 3000).captured == 0
    provider.authorize("pay-7", "tok_approve", 3000, "EUR")
    provider.capture("pay-7", 3000)
    assert provider.refund("pay-7", 1000, "refund-1").refunded == 1000
    assert provider.refund("pay-7", 2001, "refund-2").refunded == 1000
    assert provider.void("unknown").status == ABSENT


def test_a_refund_asked_again_by_its_reference_gives_back_once(provider):
    provider.authorize("pay-8", "tok_approve", 3000, "EUR")
    provider.capture("pay-8", 3000)
    assert provider.refund("pay-8", 1000, "refund-1").refunded == 1000
    assert provider.refund("pay-8", 1000, "refund-1").refunded == 1000
    assert provider.refund("pay-8", 1000, "refund-2").refunded == 2000


def test_payments_outlive_the_process_that_asked_for_them(tmp_path):
    path = str(tmp_path / "provider.db")
    SimulatedProvider(path).authorize("pay-9", "tok_approve", 700, "EUR")
    assert SimulatedProvider(path).inquire("pay-9").status == APPROVED
