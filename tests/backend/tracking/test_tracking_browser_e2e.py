"""The tracking page in Debian's headless Chromium on a phone-sized screen (tracking_browser.cjs),
on a real backend process: a Turkish customer of Poliser opens /track (browser language tr),
sees Poliser's stages in Turkish with dates, rejects the decision with a reason (the complaint
is reopened, as in the chat), an agent resolves again through the API, and the customer
approves the new decision and rates it. Screenshots in var/artifacts/track-phone-*.png."""

from __future__ import annotations

import json
import subprocess
import uuid

import httpx
import pytest
from babel.dates import get_month_names

from backend.app.tracking import presenters
from tests.handoff.handoff_stack import node_env
from tests.handoff.test_handoff_browser_e2e import ARTIFACTS, browser_ready  # noqa: F401
from tests.support.stack import AGENT_TOKEN, SERVICE_TOKEN, Stack

pytestmark = pytest.mark.integration

DRIVER = __import__("pathlib").Path(__file__).with_name("tracking_browser.cjs")
FIRST = "Eksik ürün için kargo gönderildi; faturadaki fazla kalem iptal edildi."
SECOND = "Ürün bedeli kartınıza iade edildi ve eksik ürün yeniden gönderildi."
NOTE = "Şikâyetiniz Lojistik departmanına iletildi."
REASON = "Kargo hâlâ gelmedi, iade istiyorum."
# Poliser's stages in Turkish, from its profile (contract/policies/poliser.yml).
TR = {
    "registered": "Kaydedildi",
    "acknowledged": "Ön değerlendirmede",
    "in_progress": "İşlem aşamasında",
    "resolved": "Karşılandı",
    "closed": "Tamamlandı",
    "reopened": "Yeniden değerlendirmede",
}


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("track-stack"), policy="poliser")
    try:
        stack.start("backend", SCHEDULER_ENABLED="false")
        stack.wait_ready("backend")
        yield stack
    finally:
        stack.stop_all()


def test_a_turkish_customer_rejects_then_approves_and_rates_on_a_phone(backend, browser_ready):  # noqa: F811
    s = backend
    agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}
    registered = httpx.post(
        f"{s.backend_url}/api/complaints",
        json={
            "full_name": "Ayşe Yılmaz",
            "phone": "0532 123 45 67",
            "language": "tr",
            "channel": "socketio",
            "policy": "poliser",
            "complaint_text": "Siparişim eksik teslim edildi, faturada olmayan ürün var.",
        },
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    number, pin = registered.json()["tracking_number"], registered.json()["pin"]
    for status, note in (("acknowledged", None), ("in_progress", NOTE), ("resolved", FIRST)):
        answer = httpx.post(
            f"{s.backend_url}/api/complaints/{number}/status",
            json={"status": status, "note": note},
            headers=agent,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = node_env(
        {
            "HOME": str(s.workdir),
            "TRACK_URL": f"{s.backend_url}/track",
            "BACKEND_URL": s.backend_url,
            "AGENT_TOKEN": AGENT_TOKEN,
            "TRACKING_NUMBER": number,
            "PIN": pin,
            "REASON": REASON,
            "SECOND_DECISION": SECOND,
            "SCREENSHOTS": str(ARTIFACTS),
        }
    )
    run = subprocess.run(["node", str(DRIVER)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    tr = presenters.texts("tr")
    months = set(get_month_names("wide", locale="tr").values())

    # Turkish from the browser's language; nothing but the backend's own host was asked.
    assert result["htmlLang"] == "tr" and result["submitLabel"] == tr["form.submit"]
    assert all(url.startswith(s.backend_url) for url in result["requests"]), result["requests"]
    assert result["errors"] == []
    # The stages: Poliser's labels in Turkish, past ones with their dates, the coming one promised.
    before = result["stagesBefore"]
    assert [(st["status"], st["label"]) for st in before] == [
        (key, TR[key]) for key in ("registered", "acknowledged", "in_progress", "resolved", "closed")
    ]
    assert [st["state"] for st in before] == ["done", "done", "done", "current", "coming"]
    assert all(any(month in st["when"] for month in months) for st in before[:4]), before
    assert before[-1]["when"] == tr["stage.after_approval"]
    assert result["status"] == TR["resolved"] and result["decision"] == FIRST
    assert result["noHorizontalScroll"] and result["noHorizontalScrollEnd"]

    # Rejected with a reason: reopened, as in the chat; the decision is promised by a date.
    after = result["afterReject"]
    assert after["done"] == tr["done.reopened"] and after["status"] == TR["reopened"] and not after["canAnswer"]
    assert after["stages"][-3]["status"] == "reopened" and after["stages"][-2]["state"] == "coming"
    assert after["stages"][-2]["when"].startswith("en geç ") and any(m in after["stages"][-2]["when"] for m in months)
    assert result["secondResolve"] == 200 and result["secondDecision"] == SECOND

    # The new decision approved and rated.
    assert result["afterApprove"] == {"done": tr["done.approved"], "status": TR["closed"]}
    assert result["afterRating"]["rating"] == tr["rating.current"].format(rating=5)
    assert result["afterRating"]["done"] == tr["done.rated"]
    assert NOTE in result["afterRating"]["notes"] and FIRST in result["afterRating"]["notes"]
    complaint = s.complaint(number)
    assert (complaint["status"], complaint["rating"], complaint["rejections"]) == ("closed", 5, 1)
    customer = [h for h in complaint["history"] if h["actor"] == "customer"]
    assert [h["status"] for h in customer if h["kind"] == "status"] == ["reopened", "closed"]
    assert REASON in customer[0]["note"]
    for shot in ("track-phone-sign-in.png", "track-phone-decision.png", "track-phone-closed.png"):
        assert (ARTIFACTS / shot).stat().st_size > 10_000
