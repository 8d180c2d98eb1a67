import re

import pytest

from backend.app.core.security import (
    TRACKING_ALPHABET,
    derive_pin,
    generate_pin,
    generate_tracking_number,
    hash_pin,
    normalise_tracking_number,
    verify_pin,
)

TRACKING_NUMBER = re.compile(r"^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}$")


def test_tracking_alphabet_has_no_lookalikes() -> None:
    assert len(TRACKING_ALPHABET) == len(set(TRACKING_ALPHABET)) == 32
    assert not set("0O1I") & set(TRACKING_ALPHABET)


def test_tracking_numbers_use_the_alphabet_and_vary() -> None:
    numbers = {generate_tracking_number() for _ in range(2000)}
    assert all(TRACKING_NUMBER.match(number) for number in numbers)
    assert len(numbers) == 2000
    # Every character of the alphabet turns up: nothing is left out by an off-by-one.
    assert set("".join(numbers).replace("-", "")) == set(TRACKING_ALPHABET)


@pytest.mark.parametrize("typed", ["k7qm-4pxr", "K7QM4PXR", " k7qm 4pxr ", "K7QM-4PXR"])
def test_normalise_tracking_number(typed: str) -> None:
    assert normalise_tracking_number(typed) == "K7QM-4PXR"


def test_pins_are_six_digits() -> None:
    pins = [generate_pin() for _ in range(500)]
    assert all(re.fullmatch(r"\d{6}", pin) for pin in pins)
    assert len(set(pins)) > 450


def test_derived_pin_is_stable_and_keyed() -> None:
    pin = derive_pin("secret", "key-1", "K7QM-4PXR")
    assert re.fullmatch(r"\d{6}", pin)
    assert pin == derive_pin("secret", "key-1", "K7QM-4PXR")
    assert pin != derive_pin("other-secret", "key-1", "K7QM-4PXR")
    assert pin != derive_pin("secret", "key-2", "K7QM-4PXR")


def test_pin_hash_is_argon2_and_verifies() -> None:
    pin_hash = hash_pin("123456")
    assert pin_hash.startswith("$argon2id$")
    assert "123456" not in pin_hash
    assert verify_pin(pin_hash, "123456")
    assert not verify_pin(pin_hash, "654321")
    assert not verify_pin("not-a-hash", "123456")
