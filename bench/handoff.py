"""Handoff benchmark: how fast an agent's message reaches the customer, and a customer's message
the agent console.

    .venv/bin/python -m bench.handoff [--messages 200] [--conversations 10]
        [--concurrency 1] [--customer-messages 50]

It starts the real processes on free ports with fresh databases in a temporary directory
(backend, action server, rasa with the event broker on and the Telegram channel pointed at a
loopback stand-in of the Bot API that notes when each message arrives), lets N customers ask
for a person over Telegram (the bot's own handoff: the action server queues the conversation
and pauses it), takes the conversations with the built-in agent token and then:

- agent -> customer: POST /api/handoffs/{id}/messages, timed until the Bot API stand-in has the
  sendMessage (backend -> Rasa's tracker events API -> the Telegram output channel);
- customer -> console: a Telegram update posted to rasa's webhook, timed until the console's
  websocket (/api/console/ws) pushes it (rasa -> event broker -> backend -> websocket).

Prints a markdown table with p50 / p95 / max. Everything shares one machine (2 cores here),
so the figures include the load generator's own CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from websockets.sync.client import connect

from bench.runner import REPO_ROOT, Summary, free_port, markdown_table, stop_process_group, summarize, wait_until_ready

AGENT_TOKEN = "bench-agent-token-0123456789"
SERVICE_TOKEN = "bench-service-token-0123456789"
TELEGRAM_TOKEN = "7000000003:AAH-bench-token-for-the-stand-in"
TELEGRAM_SECRET = "bench-telegram-secret-0123456789"
BROKER_BLOCK = """
# Added by bench.handoff: the transcripts and the agent console's feed.
event_broker:
  type: bot.runtime.event_broker.BackendEventBroker
  url: ${BACKEND_URL}
"""


# --- the Bot API stand-in ---------------------------------------------------------------------


class BotApi:
    """Answers every Bot API method with ok; notes when each sendMessage arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.sent: list[dict[str, Any]] = []
        self.lock = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.perf_counter()
                kind = self.headers.get("Content-Type") or ""
                if kind.startswith("application/json"):
                    params = json.loads(body or b"{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                method = self.path.rsplit("/", 1)[-1]
                result: Any = True
                if method == "sendMessage":
                    with owner.lock:
                        owner.sent.append(params)
                        owner.arrivals.setdefault(str(params.get("text")), arrived)
                        owner.lock.notify_all()
                    result = {
                        "message_id": len(owner.sent),
                        "date": int(time.time()),
                        "text": params.get("text"),
                        "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                    }
                elif method == "getMe":
                    result = {"id": 7000000003, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
                payload = json.dumps({"ok": True, "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def wait_for(self, text: str, timeout: float = 30) -> float:
        with self.lock:
            if not self.lock.wait_for(lambda: text in self.arrivals, timeout=timeout):
                raise TimeoutError(f"no sendMessage with {text!r}")
            return self.arrivals[text]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- the processes ------------------------------------------------------------------------------


@contextmanager
def stack(workdir: Path, bot_api: BotApi, policy: str) -> Iterator[dict[str, str]]:
    ports = {name: free_port() for name in ("rasa", "actions", "backend")}
    endpoints = (REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8")
    if "event_broker:" not in endpoints:
        endpoints += BROKER_BLOCK
    (workdir / "endpoints.yml").write_text(endpoints, encoding="utf-8")
    env = {
        **os.environ,
        "RASA_PORT": str(ports["rasa"]),
        "ACTIONS_PORT": str(ports["actions"]),
        "BACKEND_PORT": str(ports["backend"]),
        "BACKEND_URL": f"http://127.0.0.1:{ports['backend']}",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
        "RASA_TRACKER_URL": f"sqlite:///{workdir}/rasa-tracker.db",
        "DATABASE_URL": f"sqlite:///{workdir}/backend.db",
        "ATTACHMENTS_DIR": str(workdir / "attachments"),
        "AGENT_TOKEN": AGENT_TOKEN,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "COMPLAINT_POLICY": policy,
        "RASA_ENDPOINTS": str(workdir / "endpoints.yml"),
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": bot_api.url,
        "SCHEDULER_ENABLED": "false",
    }
    for name in ("RASA_TOKEN", "TELEGRAM_WEBHOOK_URL"):
        env.pop(name, None)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in ("backend", "actions", "rasa"):
            log = (workdir / f"{name}.log").open("w")
            processes[name] = subprocess.Popen(
                [str(REPO_ROOT / "scripts" / f"run-{name}.sh")],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        urls = {
            "backend": f"http://127.0.0.1:{ports['backend']}",
            "rasa": f"http://127.0.0.1:{ports['rasa']}",
        }
        _wait_ready(processes, workdir, f"{urls['backend']}/healthz", "backend")
        _wait_ready(processes, workdir, f"http://127.0.0.1:{ports['actions']}/health", "actions")
        _wait_ready(processes, workdir, f"{urls['rasa']}/status", "rasa", model=True)
        yield urls
    finally:
        for process in processes.values():
            stop_process_group(process)


def _wait_ready(
    processes: dict[str, subprocess.Popen[bytes]], workdir: Path, url: str, name: str, model: bool = False
) -> None:
    def ready(response: httpx.Response) -> bool:
        return response.status_code == 200 and (not model or bool(response.json().get("model_file")))

    wait_until_ready(url, processes[name], name=name, timeout=240, log=workdir / f"{name}.log", ready=ready)


# --- the measurement ------------------------------------------------------------------------------


def telegram_update(chat_id: int, text: str, n: int) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": "ru"}
    return {
        "update_id": 900_000_000 + n,
        "message": {
            "message_id": n,
            "from": user,
            "chat": {"id": chat_id, "first_name": "Bench", "type": "private"},
            "date": int(time.time()),
            "text": text,
        },
    }


def run(args: argparse.Namespace) -> list[tuple[str, Summary]]:
    bot_api = BotApi()
    workdir = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    rows: list[tuple[str, Summary]] = []
    try:
        with stack(workdir, bot_api, args.policy) as urls, httpx.Client(timeout=30) as http:
            webhook = f"{urls['rasa']}/webhooks/telegram/webhook"
            secret = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
            agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}
            counter = iter(range(1, 10**9))

            def customer_says(chat: int, text: str) -> None:
                r = http.post(webhook, json=telegram_update(chat, text, next(counter)), headers=secret)
                r.raise_for_status()

            # N customers start a complaint and ask for a person: the bot queues and pauses them.
            chats = [5_000_000 + i for i in range(args.conversations)]
            for chat in chats:
                customer_says(chat, "Хочу оставить жалобу")
                customer_says(chat, "оператор")
            handoffs: dict[int, int] = {}
            deadline = time.monotonic() + 60
            while len(handoffs) < len(chats) and time.monotonic() < deadline:
                for h in http.get(f"{urls['backend']}/api/handoffs", headers=agent).json():
                    handoffs[int(h["conversation_id"].removeprefix("tg:"))] = h["id"]  # tg:<chat id>
                time.sleep(0.2)
            missing = [c for c in chats if c not in handoffs]
            if missing:
                raise RuntimeError(f"{len(missing)} conversations were not handed over; see {workdir}/actions.log")
            for handoff_id in handoffs.values():
                http.post(f"{urls['backend']}/api/handoffs/{handoff_id}/take", headers=agent).raise_for_status()

            # Agent -> customer.
            def send(i: int) -> tuple[float, float]:
                chat = chats[i % len(chats)]
                text = f"Сообщение сотрудника {i}: проверяем ваш вопрос."
                started = time.perf_counter()
                r = http.post(
                    f"{urls['backend']}/api/handoffs/{handoffs[chat]}/messages", json={"text": text}, headers=agent
                )
                answered = time.perf_counter()
                r.raise_for_status()
                return bot_api.wait_for(text) - started, answered - started

            for i in range(min(10, args.messages)):  # warm-up (connections, caches)
                send(-1 - i)
            with ThreadPoolExecutor(args.concurrency) as pool:
                timings = list(pool.map(send, range(args.messages)))
            rows.append(("agent -> customer (Bot API has it)", summarize([t[0] for t in timings])))
            rows.append(("agent -> backend answer (Rasa took it)", summarize([t[1] for t in timings])))

            # Customer -> console websocket.
            if args.customer_messages:
                latencies: list[float] = []
                with connect(urls["backend"].replace("http://", "ws://") + "/api/console/ws", open_timeout=10) as feed:
                    feed.send(json.dumps({"type": "auth", "token": AGENT_TOKEN}))
                    assert json.loads(feed.recv(timeout=10))["type"] == "hello"
                    for i in range(args.customer_messages):
                        text = f"Клиент пишет {i}"
                        started = time.perf_counter()
                        customer_says(chats[i % len(chats)], text)
                        while True:
                            data = json.loads(feed.recv(timeout=10))
                            if data.get("type") == "messages" and any(m["text"] == text for m in data["messages"]):
                                latencies.append(time.perf_counter() - started)
                                break
                rows.append(("customer -> console websocket", summarize(latencies)))
    finally:
        bot_api.stop()
        if args.keep:
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.handoff", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200, help="agent messages to time (default 200)")
    parser.add_argument("--conversations", type=int, default=10, help="handed-over conversations (default 10)")
    parser.add_argument("--concurrency", type=int, default=1, help="agents sending at once (default 1)")
    parser.add_argument("--customer-messages", type=int, default=50, help="customer messages to time (0: skip)")
    parser.add_argument("--policy", default="eurolux")
    parser.add_argument("--keep", action="store_true", help="keep the processes' logs")
    args = parser.parse_args(argv)
    rows = run(args)
    print(
        f"\nHandoff delivery over Telegram (loopback Bot API), {args.conversations} conversations, "
        f"{args.concurrency} sending at once\n"
    )
    print(
        markdown_table(
            ["path", "n", "p50 ms", "p95 ms", "max ms"],
            [[name, s.n, f"{s.p50 * 1000:.0f}", f"{s.p95 * 1000:.0f}", f"{s.max * 1000:.0f}"] for name, s in rows],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
