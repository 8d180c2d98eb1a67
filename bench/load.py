"""Load benchmark of the web chat: how many customers at once, each typing a complaint with
2 s of thinking between messages, one machine serves with a p95 reply time under 500 ms
and every complaint registered; beside the same figure for the assistant `rasa init` makes.

    make bench-load            # = .venv/bin/python -m bench.load
    python -m bench.load [--targets single,rasa-init] [--levels 10,20,30,...]
        [--level-seconds 30] [--think 2] [--keep]
    make bench-load-scaled     # --targets scaled,single: the scale-out profile beside one of each

Both assistants run on this machine with fresh databases in a temporary directory, one after
the other, and are driven by the same socket.io clients (websocket transport, the event names
of rasa-webchat, session persistence on as in credentials.yml):

- ours: the rasa server, the action server and the backend started by scripts/run-*.sh as
  `make run` starts them (SQLite tracker store and backend, policy eurolux). A customer greets,
  gives a name, a phone, the staff member (or "don't know"), the complaint, and confirms; the
  name and phone are drawn at random, in Russian or Azerbaijani. The complaint counts only when
  the bot's last message carries a tracking number and the backend holds that complaint with
  the same name and phone.
- rasa init: the moodbot, trained once and kept under var/bench/ (cache keyed by rasa's
  version), with the stock socketio channel and its default in-memory tracker store. A
  customer greets, is sad, says yes, says bye: the conversation counts when every turn got an
  answer.

A reply time is from sending a message to the last bot message of that turn; a turn ends
when the bot has been silent for the think time, and the customer then sends the next
message. Each level holds N customers for --level-seconds (customers start spread over the
first think time, turns sent in the first 5 s are not counted), then lets the running
conversations finish. The capacity is the largest level that passes; levels are tried in
order and the search stops after two failures in a row. Everything (load generator
included) shares the same cores: quote the ratio, not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from bench.runner import free_port, percentile
from contract import tracking

ROOT = Path(__file__).resolve().parents[1]
TRACKING = tracking.IN_REPLY
AGENT_TOKEN = "bench-load-agent-token-0123456789"
SERVICE_TOKEN = "bench-load-service-token-0123456789"
P95_LIMIT_MS = 500.0
WARMUP_S = 5.0
TURN_TIMEOUT_S = 30.0

FIRST_NAMES = {
    "ru": ["Фарид", "Лейла", "Эльчин", "Нигяр", "Рашад", "Гюнай", "Тимур", "Айтен"],
    "az": ["Elçin", "Nərmin", "Rəşad", "Günay", "Fərid", "Aytən", "Murad", "Səbinə"],
}
SURNAMES = {
    "ru": ["Керимов", "Мамедов", "Алиев", "Гасанов", "Исмайлов", "Гусейнов"],
    "az": ["Kərimov", "Məmmədov", "Əliyev", "Həsənov", "İsmayılov", "Hüseynov"],
}
PATRONYMICS = {
    "ru": ["Алекперович", "Рашидович", "Тофикович", "Эльдарович"],
    "az": ["Rauf oğlu", "Tofiq oğlu", "Eldar oğlu", "Vaqif oğlu"],
}
FEMALE = {"Лейла", "Нигяр", "Гюнай", "Айтен", "Nərmin", "Günay", "Aytən", "Səbinə"}
OPENERS = {
    "ru": ["Здравствуйте, хочу оставить жалобу", "Добрый день, у меня жалоба на магазин"],
    "az": ["Salam, şikayət etmək istəyirəm", "Salam, mağazadan şikayətim var"],
}
STAFF = {"ru": ["не знаю", "кассир Лейла", "продавец Эльчин"], "az": ["bilmirəm", "kassir Leyla", "satıcı Rauf"]}
COMPLAINTS = {
    "ru": [
        "Купила холодильник, через неделю перестал морозить, в обмене отказали",
        "Кассир обсчитал меня на 40 манат и отказался вернуть разницу",
        "Доставку стиральной машины переносили три раза, никто не предупредил",
    ],
    "az": [
        "Soyuducu bir həftə sonra xarab oldu, dəyişdirməkdən imtina etdilər",
        "Kassir məni 40 manat aldatdı və fərqi qaytarmadı",
        "Paltaryuyan maşının çatdırılmasını üç dəfə təxirə saldılar, heç kim xəbər vermədi",
    ],
}
CONFIRM = {"ru": "да, всё верно", "az": "bəli, düzdür"}
MOODBOT_SCRIPT = ["hello there", "I am very sad", "yes", "bye"]


# --- processes -----------------------------------------------------------------------------
@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def start(name: str, argv: list[str], workdir: Path, env: dict[str, str], cwd: Path = ROOT) -> Proc:
    log = workdir / f"{name}.log"
    popen = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    return Proc(name, popen, log)


async def wait_http(proc: Proc, url: str, timeout: float = 240, check=None, others: list[Proc] = ()) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            for each in (proc, *others):
                if each.popen.poll() is not None:
                    raise RuntimeError(f"{each.name} exited with {each.popen.returncode}:\n{each.tail()}")
            try:
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=3)) as r:
                    if r.status == 200 and (check is None or check(await r.json())):
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError(f"{proc.name} not ready after {timeout:.0f}s:\n{proc.tail()}")


def model_loaded(status: dict) -> bool:
    return bool(status.get("model_file"))


@dataclass
class Target:
    name: str
    rasa_url: str
    kind: str  # "complaints" | "moodbot"
    backend_url: str | None = None
    agent_token: str | None = None
    procs: list[Proc] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


async def start_ours(workdir: Path, overrides: dict[str, str] | None = None) -> Target:
    """One process of each, as `make run` starts them; `overrides` change their environment
    (bench.turns: the tracker store's database)."""
    workdir.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("rasa", "actions", "backend")}
    env = {
        **os.environ,
        "RASA_PORT": str(ports["rasa"]),
        "ACTIONS_PORT": str(ports["actions"]),
        "BACKEND_PORT": str(ports["backend"]),
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "RASA_TRACKER_URL": f"sqlite:///{workdir}/rasa-tracker.db",
        "DATABASE_URL": f"sqlite:///{workdir}/backend.db",
        "AGENT_TOKEN": AGENT_TOKEN,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "COMPLAINT_POLICY": "eurolux",
        "LOG_LEVEL": "WARNING",
        **(overrides or {}),
    }
    env.pop("RASA_TOKEN", None)
    target = Target(
        "this assistant",
        f"http://127.0.0.1:{ports['rasa']}",
        "complaints",
        f"http://127.0.0.1:{ports['backend']}",
        AGENT_TOKEN,
    )
    for name in ("backend", "actions", "rasa"):
        target.procs.append(start(name, [str(ROOT / "scripts" / f"run-{name}.sh")], workdir, env))
    try:
        await wait_http(target.procs[0], f"{target.backend_url}/healthz")
        await wait_http(target.procs[1], f"http://127.0.0.1:{ports['actions']}/health")
        await wait_http(target.procs[2], f"{target.rasa_url}/status", check=model_loaded)
    except Exception:
        target.stop()
        raise
    return target


def scaled_env(prefix: str) -> dict[str, str]:
    """The scale-out profile (scripts/scaled-env.sh) on free ports, with databases, Redis
    databases, the queue and the socket.io channel of its own."""
    ports = {
        name: free_port()
        for name in (
            "RASA_PORT",
            "ACTIONS_PORT",
            "BACKEND_PORT",
            "BALANCER_STATS_PORT",
            "RASA_API_PORT",
            "RASA1",
            "RASA2",
            "ACTIONS1",
            "ACTIONS2",
            "BACKEND1",
            "BACKEND2",
        )
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RASA_", "BACKEND", "ACTION"))}
    env.update({name: str(port) for name, port in ports.items() if name.endswith("PORT")})
    env.update({f"{name}_ADDR": f"127.0.0.1:{port}" for name, port in ports.items() if not name.endswith("PORT")})
    env.update(
        SCALED_DB_PREFIX=prefix,
        REDIS_LOCK_DB="3",
        SOCKETIO_REDIS_URL="redis://127.0.0.1:6379/4",
        SOCKETIO_REDIS_CHANNEL=f"{prefix}-webchat",
        RASA_EVENTS_QUEUE=f"{prefix}_events",
        RASA_EVENTS_EXCHANGE=f"{prefix}-exchange",
        AGENT_TOKEN=AGENT_TOKEN,
        SERVICE_TOKEN=SERVICE_TOKEN,
        COMPLAINT_POLICY="eurolux",
        RASA_TELEMETRY_ENABLED="false",
    )
    env["PYTHONPATH"] = str(ROOT)
    return env


SCALED_PROCESSES = {
    "balancer": ["run-haproxy.sh"],
    "backend1": ["run-scaled-process.sh", "backend", "1"],
    "backend2": ["run-scaled-process.sh", "backend", "2"],
    "actions1": ["run-scaled-process.sh", "actions", "1"],
    "actions2": ["run-scaled-process.sh", "actions", "2"],
    "rasa1": ["run-scaled-process.sh", "rasa", "1"],
    "rasa2": ["run-scaled-process.sh", "rasa", "2"],
}


async def start_scaled(workdir: Path, prefix: str | None = None, separate: bool = False) -> Target:
    """`make run-scaled` (scripts/run-scaled.sh: honcho and Procfile.scaled) on free ports; with
    `separate`, the same scripts one by one, so a test can kill one process of its choice."""
    workdir.mkdir(parents=True, exist_ok=True)
    prefix = prefix or f"bench_{os.getpid()}"
    env = scaled_env(prefix)
    rasa_url = f"http://127.0.0.1:{env['RASA_PORT']}"
    backend_url = f"http://127.0.0.1:{env['BACKEND_PORT']}"
    target = Target(
        "this assistant, scaled (HAProxy, 2 rasa, 2 actions, 2 backends)",
        rasa_url,
        "complaints",
        backend_url,
        AGENT_TOKEN,
        env=env,
    )
    if separate:
        prepare = subprocess.run(
            [str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "scripts" / "scaled_prepare.py")],
            cwd=ROOT,
            env=_with_scaled_defaults(env),
            capture_output=True,
            text=True,
        )
        if prepare.returncode:
            raise RuntimeError(f"scaled_prepare.py failed:\n{prepare.stderr[-2000:]}")
        for name, argv in SCALED_PROCESSES.items():
            target.procs.append(start(name, [str(ROOT / "scripts" / argv[0]), *argv[1:]], workdir, env))
    else:
        target.procs.append(start("scaled", [str(ROOT / "scripts" / "run-scaled.sh")], workdir, env))
    try:
        for name, path, timeout in (
            ("RASA1", "/webhooks/ops/ready", 300),
            ("RASA2", "/webhooks/ops/ready", 300),
            ("BACKEND1", "/readyz", 120),
            ("BACKEND2", "/readyz", 120),
            ("ACTIONS1", "/health", 120),
            ("ACTIONS2", "/health", 120),
        ):
            await wait_http(
                target.procs[0], f"http://{env[name + '_ADDR']}{path}", timeout=timeout, others=target.procs
            )
        # Readiness is not published: the balancer's internal frontend of rasa's API.
        await wait_http(target.procs[0], f"http://127.0.0.1:{env['RASA_API_PORT']}/webhooks/ops/ready", timeout=30)
        await wait_http(target.procs[0], f"{backend_url}/readyz", timeout=30)
    except Exception:
        target.stop()
        raise
    return target


def _with_scaled_defaults(env: dict[str, str]) -> dict[str, str]:
    """The environment scripts/scaled-env.sh would give (for a step run outside its scripts)."""
    out = subprocess.run(
        ["bash", "-c", f". '{ROOT}/scripts/scaled-env.sh' && env -0"], env=env, capture_output=True, check=True
    ).stdout
    return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


def rasa_bin() -> str:
    return str(ROOT / ".venv-rasa" / "bin" / "rasa")


def rasa_version() -> str:
    found = re.search(r"^rasa==(\S+)$", (ROOT / "requirements" / "rasa.lock").read_text(), re.M)
    return found.group(1) if found else "unknown"


def moodbot_dir() -> Path:
    """`rasa init` once per rasa version; its trained model is kept under var/bench/."""
    project = ROOT / "var" / "bench" / f"rasa-init-{rasa_version()}"
    if not list((project / "models").glob("*.tar.gz")):
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        print(f"rasa init (training the moodbot once) in {project} ...", flush=True)
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
        with (project / "init.log").open("w") as log:
            subprocess.run(
                [rasa_bin(), "init", "--no-prompt", "--init-dir", str(project)],
                cwd=project,
                env=env,
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    (project / "bench-credentials.yml").write_text(
        "bench.moodbot_socketio.AwaitedRoomsSocketIOInput:\n  user_message_evt: user_uttered\n"
        "  bot_message_evt: bot_uttered\n  session_persistence: true\n"
    )
    return project


async def start_moodbot(workdir: Path) -> Target:
    workdir.mkdir(parents=True, exist_ok=True)
    project = moodbot_dir()
    port = free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = start(
        "rasa-init",
        [rasa_bin(), "run", "--port", str(port), "--cors", "*", "--credentials", "bench-credentials.yml"],
        workdir,
        env,
        cwd=project,
    )
    target = Target("rasa init (moodbot)", f"http://127.0.0.1:{port}", "moodbot", procs=[proc])
    try:
        await wait_http(proc, f"{target.rasa_url}/", timeout=240)
        await asyncio.sleep(2)
    except Exception:
        target.stop()
        raise
    return target


# --- customers -----------------------------------------------------------------------------
@dataclass
class Turn:
    sent: float
    latency: float | None  # to the last bot message of the turn; None: no answer
    step: int = 0  # the message's place in its conversation (0 = the first)


@dataclass
class Conversation:
    ok: bool = False
    tracking_number: str | None = None
    expected: dict[str, str] = field(default_factory=dict)
    error: str | None = None


class Customer:
    def __init__(self, url: str, think: float) -> None:
        self.url = url
        self.think = think
        self.http: aiohttp.ClientSession | None = None
        self.sio: socketio.AsyncClient | None = None
        self.inbox: asyncio.Queue[tuple[float, dict]] = asyncio.Queue()
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()

    async def _bot_uttered(self, data: Any) -> None:
        self.inbox.put_nowait((time.monotonic(), data if isinstance(data, dict) else {"text": str(data)}))

    async def _session_confirm(self, data: Any) -> None:
        self.confirmed.put_nowait(data if isinstance(data, str) else (data or {}).get("session_id", ""))

    async def connect(self) -> None:
        # Our own HTTP session, closed in close(): the client's own one is left unclosed.
        self.http = aiohttp.ClientSession()
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self.http)
        self.sio.on("bot_uttered", self._bot_uttered)
        self.sio.on("session_confirm", self._session_confirm)
        await self.sio.connect(self.url, transports=["websocket"], socketio_path="/socket.io", wait_timeout=30)

    async def close(self) -> None:
        try:
            if self.sio is not None:
                await self.sio.disconnect()
        except Exception:  # noqa: BLE001 - a benchmark client going away
            pass
        if self.http is not None:
            await self.http.close()

    async def new_session(self) -> str:
        session_id = uuid.uuid4().hex
        await self.sio.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self.confirmed.get(), TURN_TIMEOUT_S)
        while not self.inbox.empty():
            self.inbox.get_nowait()
        return session_id

    async def say(self, session_id: str, text: str, language: str) -> tuple[Turn, list[dict]]:
        """Sends one message; the turn ends when the bot has been silent for the think time."""
        sent = time.monotonic()
        await self.sio.emit(
            "user_uttered", {"message": text, "session_id": session_id, "customData": {"language": language}}
        )
        messages: list[dict] = []
        last = None
        try:
            at, message = await asyncio.wait_for(self.inbox.get(), TURN_TIMEOUT_S)
        except asyncio.TimeoutError:
            return Turn(sent, None), messages
        messages.append(message)
        last = at
        while True:
            try:
                at, message = await asyncio.wait_for(self.inbox.get(), self.think)
            except asyncio.TimeoutError:
                break
            messages.append(message)
            last = at
        return Turn(sent, last - sent), messages


def complaint_script(rng: random.Random) -> tuple[str, list[str], dict[str, str]]:
    language = rng.choice(["ru", "az"])
    first = rng.choice(FIRST_NAMES[language])
    surname = rng.choice(SURNAMES[language])
    if first in FEMALE:
        surname += "а" if language == "ru" else "a"
    patronymic = rng.choice(PATRONYMICS[language])
    if first in FEMALE:
        patronymic = patronymic.replace("ович", "овна").replace("oğlu", "qızı")
    name = f"{surname} {first} {patronymic}"
    digits = f"{rng.randint(0, 99):02d}"
    local = f"05{rng.choice('015')} {rng.randint(200, 999)} {digits} {rng.randint(10, 99)}"
    phone = "+994" + local.replace(" ", "")[1:]
    messages = [
        rng.choice(OPENERS[language]),
        name,
        local,
        rng.choice(STAFF[language]),
        rng.choice(COMPLAINTS[language]),
        CONFIRM[language],
    ]
    return language, messages, {"full_name": name, "phone": phone}


@dataclass
class LevelResult:
    customers: int
    turns: list[Turn] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    duration: float = 0.0
    unregistered: int = 0
    connect_errors: int = 0
    start: float = 0.0
    end: float = 0.0

    @property
    def counted(self) -> list[Turn]:
        return [t for t in self.turns if self.start + WARMUP_S <= t.sent <= self.end]

    def latencies_ms(self) -> list[float]:
        return sorted(t.latency * 1000 for t in self.counted if t.latency is not None)

    def unanswered(self) -> int:
        return sum(1 for t in self.turns if t.latency is None)

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms(), q * 100)

    def failed_conversations(self) -> int:
        return sum(1 for c in self.conversations if not c.ok)

    def passed(self) -> bool:
        return (
            bool(self.latencies_ms())
            and self.p(0.95) < P95_LIMIT_MS
            and self.unanswered() == 0
            and self.failed_conversations() == 0
            and self.unregistered == 0
            and self.connect_errors == 0
        )


async def run_customer(target: Target, think: float, end: float, seed: int, result: LevelResult) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, think))
    customer = Customer(target.rasa_url, think)
    try:
        await customer.connect()
    except Exception:  # noqa: BLE001 - counted, not raised
        result.connect_errors += 1
        await customer.close()
        return
    try:
        while time.monotonic() < end:
            conversation = Conversation()
            result.conversations.append(conversation)
            try:
                session_id = await customer.new_session()
            except asyncio.TimeoutError:
                conversation.error = "no session_confirm"
                return
            if target.kind == "complaints":
                language, script, conversation.expected = complaint_script(rng)
            else:
                language, script = "en", MOODBOT_SCRIPT
            messages: list[dict] = []
            for step, text in enumerate(script):
                turn, messages = await customer.say(session_id, text, language)
                turn.step = step
                result.turns.append(turn)
                if turn.latency is None:
                    conversation.error = f"no answer to {text!r}"
                    break
            else:
                if target.kind == "complaints":
                    found = TRACKING.search(" ".join(m.get("text") or "" for m in messages))
                    conversation.tracking_number = found.group(0) if found else None
                    conversation.ok = found is not None
                    if not found:
                        conversation.error = "no tracking number after confirming"
                else:
                    conversation.ok = True
    finally:
        await customer.close()


async def verify_registered(target: Target, conversations: list[Conversation]) -> int:
    """How many confirmed complaints the backend does not hold with the customer's fields."""
    if target.kind != "complaints" or not target.backend_url:
        return 0
    missing = 0
    headers = {"Authorization": f"Bearer {target.agent_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for conversation in conversations:
            if not conversation.tracking_number:
                continue
            async with http.get(f"{target.backend_url}/api/complaints/{conversation.tracking_number}") as r:
                record = await r.json() if r.status == 200 else {}
            if any(record.get(key) != value for key, value in conversation.expected.items()):
                missing += 1
    return missing


async def run_level(target: Target, customers: int, seconds: float, think: float, seed: int) -> LevelResult:
    result = LevelResult(customers)
    result.start = time.monotonic()
    result.end = result.start + seconds
    tasks = [
        asyncio.create_task(run_customer(target, think, result.end, seed * 100_003 + i, result))
        for i in range(customers)
    ]
    await asyncio.gather(*tasks)
    result.duration = time.monotonic() - result.start
    result.unregistered = await verify_registered(target, result.conversations)
    return result


def by_step(result: LevelResult) -> str:
    """p95 reply time of each step of the conversation: where the time goes."""
    parts = []
    for step in sorted({t.step for t in result.counted}):
        values = [t.latency * 1000 for t in result.counted if t.step == step and t.latency is not None]
        if values:
            parts.append(f"{step}: {percentile(values, 95):.0f}")
    return "p95 ms by step " + ", ".join(parts)


def describe(result: LevelResult, seconds: float) -> str:
    counted = result.counted
    rate = len(counted) / max(seconds - WARMUP_S, 1)
    done = sum(1 for c in result.conversations if c.ok)
    verdict = "pass" if result.passed() else "FAIL"
    return (
        f"| {result.customers} | {rate:.1f} | {result.p(0.5):.0f} | {result.p(0.95):.0f} | {result.p(1.0):.0f} "
        f"| {done}/{len(result.conversations)} | {result.unanswered()} | {result.unregistered} | {verdict} |"
    )


async def capacity(target: Target, levels: list[int], seconds: float, think: float) -> tuple[int, list[str]]:
    print(f"\n## {target.name}: {target.rasa_url}\n", flush=True)
    print(
        "| customers | turns/s | p50 ms | p95 ms | max ms | conversations done | unanswered | not registered | |",
        flush=True,
    )
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    best, failures, rows = 0, 0, []
    for i, level in enumerate(levels):
        result = await run_level(target, level, seconds, think, seed=i + 1)
        row = describe(result, seconds)
        rows.append(row)
        print(row, flush=True)
        if os.environ.get("BENCH_STEPS"):
            print(f"  {by_step(result)}", flush=True)
        if result.passed():
            best, failures = max(best, level), 0
        else:
            failures += 1
            if failures >= 2:
                break
        await asyncio.sleep(think + 1)  # let the last replies drain
    return best, rows


async def start_target(kind: str, workdir: Path) -> Target:
    if kind == "single":
        return await start_ours(workdir)
    if kind == "scaled":
        return await start_scaled(workdir)
    if kind == "rasa-init":
        return await start_moodbot(workdir)
    if kind.startswith("http"):
        return Target(
            f"this assistant at {kind}",
            kind.rstrip("/"),
            "complaints",
            os.environ.get("BACKEND_URL"),
            os.environ.get("AGENT_TOKEN"),
        )
    raise ValueError(f"unknown target {kind!r}: single, scaled, rasa-init or a rasa URL")


async def main_async(args: argparse.Namespace) -> int:
    levels = [int(x) for x in args.levels.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    figures: list[tuple[str, int]] = []
    try:
        for kind in args.targets.split(","):
            target = await start_target(kind.strip(), workdir / kind.strip().replace("/", "_"))
            try:
                best, _ = await capacity(target, levels, args.level_seconds, args.think)
                figures.append((target.name, best))
            finally:
                target.stop()
    finally:
        if args.keep:
            print(f"\nlogs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print("\n## Capacity: simultaneous customers with p95 reply < 500 ms and every conversation done\n")
    print("| assistant | customers |\n|---|---|")
    for name, best in figures:
        print(f"| {name} | {best} |")
    if len(figures) >= 2 and figures[-1][1]:
        print(f"\nratio: {figures[0][0]} = {figures[0][1] / figures[-1][1]:.2f}x {figures[-1][0]}")
    print(json.dumps({"capacity": dict(figures), "think_s": args.think, "level_s": args.level_seconds}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    levels = os.environ.get("BENCH_LEVELS", "10,15,20,25,30,35,40,50,60,70,80,90,100,110,120,140,160,200")
    parser.add_argument("--levels", default=levels, help="numbers of customers at once, tried in order")
    parser.add_argument("--level-seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument(
        "--targets",
        default="single,rasa-init",
        help="measured in this order: single (one process each), scaled (deploy/: HAProxy, two of each), "
        "rasa-init (the moodbot), or a rasa URL (BACKEND_URL and AGENT_TOKEN from the environment)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the logs and databases")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
