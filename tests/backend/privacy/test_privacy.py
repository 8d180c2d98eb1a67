import pytest

from backend.app.policies.profile import load_policies
from backend.app.privacy.service import phone_candidates, scrubber


@pytest.mark.parametrize(
    "text",
    [
        "call 0532 123 45 67",
        "call +90 532 123 4567",
        "call 0090-532-123-45-67",
        "call (0532) 1234567",
        "call 905321234567",
    ],
)
def test_phone_numbers_are_scrubbed_however_typed(text: str) -> None:
    scrub = scrubber(names=[], phones=["+905321234567"], emails=[])
    assert "123" not in scrub(text)
    assert scrub(text).startswith("call ")


def test_longer_numbers_and_other_digits_stay() -> None:
    scrub = scrubber(names=[], phones=["+905321234567"], emails=[])
    assert scrub("order 153212345678, 2 items") == "order 153212345678, 2 items"


def test_names_in_any_case_and_their_parts() -> None:
    scrub = scrubber(names=["Ayşe Yılmaz"], phones=[], emails=["ayse@example.com.tr"])
    assert scrub("AYŞE YILMAZ wrote; Yılmaz hanım, ayse@example.com.tr") == "[erased] wrote; [erased] hanım, [erased]"
    assert scrub("Ayşegül is someone else") == "Ayşegül is someone else"


def test_nothing_to_scrub_leaves_the_text() -> None:
    assert scrubber(names=[], phones=[], emails=[])("anything") == "anything"


def test_phone_candidates_in_every_policy_region() -> None:
    policies = load_policies()
    assert phone_candidates("+994 50 123 45 67", policies) == {"+994501234567"}
    assert "+905321234567" in phone_candidates("0532 123 45 67", policies)
    with pytest.raises(ValueError, match="not a valid phone number"):
        phone_candidates("12", policies)
