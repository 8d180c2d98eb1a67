"""The policy's SMS texts (backend/texts/notifications.yml: *_sms) and the profile setting that
asks for them; the sealed PIN (backend/app/notifications/sealed_pin.py)."""

import pytest
from pydantic import SecretStr, ValidationError

from backend.app.notifications.models import NotificationKind
from backend.app.notifications.sealed_pin import PinSeal, PinUnreadable
from backend.app.notifications.texts import load_texts
from backend.app.policies.profile import PolicyProfile, SmsNotice, load_policies
from contract.statuses import Language

# GSM 03.38's basic alphabet: a text of only these takes 160 characters an SMS (153 in a
# concatenated one); any other character makes it UCS-2: 70 (67).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def segments(text: str) -> int:
    single, part = (160, 153) if set(text) <= GSM7 else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // part)


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("template", ["registration_sms", "registration_sms_no_pin", "decision_sms"])
def test_each_policy_sms_fits_in_two_messages(template: str, language: Language) -> None:
    poliser = load_policies()["poliser"]
    context = {
        "company": poliser.company,
        "tracking_number": "K7QM-4PXR",
        "pin": "123456",
        "website": str(poliser.contact.website),
    }
    text = load_texts().render(template, language, context).text
    assert "{" not in text and "K7QM-4PXR" in text
    assert ("123456" in text) is (template == "registration_sms")
    assert segments(text) <= 2, (len(text), text)


def test_the_sms_notices_are_customer_notices_and_poliser_asks_for_two() -> None:
    customer = {
        NotificationKind.registration,
        NotificationKind.acknowledgement,
        NotificationKind.progress_update,
        NotificationKind.delay_notice,
        NotificationKind.decision,
        NotificationKind.approval_request,
    }
    assert set(SmsNotice.__args__) == {kind.value for kind in customer}  # type: ignore[attr-defined]
    policies = load_policies()
    assert policies["poliser"].sms_notices == ["registration", "decision"]
    assert all(not policy.sms_notices for name, policy in policies.items() if name != "poliser")


@pytest.mark.parametrize("notices", [["escalation"], ["decision", "decision"], ["sms"]])
def test_a_profile_naming_a_notice_that_cannot_go_by_sms_is_refused(notices: list[str]) -> None:
    data = load_policies()["poliser"].model_dump(by_alias=True)
    with pytest.raises(ValidationError, match="sms_notices"):
        PolicyProfile.model_validate({**data, "sms_notices": notices})


def test_the_sealed_pin_opens_only_with_its_key_and_differs_each_time() -> None:
    seal = PinSeal(SecretStr("one-pin-encryption-key"))
    first, second = seal.seal("042917"), seal.seal("042917")
    assert first != second and "042917" not in first + second
    assert seal.open(first) == seal.open(second) == "042917"
    with pytest.raises(PinUnreadable):
        PinSeal(SecretStr("another-pin-encryption-key")).open(first)
    with pytest.raises(PinUnreadable):
        seal.open("not a Fernet token")
