"""A throw-away IMAP server: Debian's dovecot (scripts/install-dovecot.sh, `make dovecot`) started
in the foreground on a free loopback port with a temporary maildir, the configuration of
../shared/notes/email-and-sms.md. Letters reach it through IMAP APPEND, the real protocol, with
the standard library's imaplib. Missing binary: the fixture fails and says how to install it."""

from __future__ import annotations

import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.net import free_port

DOVECOT = Path(os.environ.get("DOVECOT", "/usr/sbin/dovecot"))
USER = "complaints"
PASSWORD = "mailbox-password"

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{dir}/mail/%u
first_valid_uid = 1
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class DovecotMissing(RuntimeError):
    pass


class Dovecot:
    def __init__(self, directory: Path | None = None) -> None:
        # Its own directory right under /tmp: dovecot's user (nobody) must traverse every parent,
        # and pytest sets its base temp directory back to 0700 whenever another session starts.
        self.owned = directory is None
        self.dir = directory or Path(tempfile.mkdtemp(prefix="dovecot-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def start(self) -> Dovecot:
        if not os.access(DOVECOT, os.X_OK):
            raise DovecotMissing(
                f"{DOVECOT} is missing: run `make dovecot` (scripts/install-dovecot.sh, apt-get install dovecot-imapd)"
            )
        for sub in ("run", "state", f"mail/{USER}/new", f"mail/{USER}/cur", f"mail/{USER}/tmp"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir / "mail", "nobody", "nogroup")
            for path in (self.dir / "mail").rglob("*"):
                shutil.chown(path, "nobody", "nogroup")
        config = self.dir / "dovecot.conf"
        config.write_text(CONFIG.format(dir=self.dir, port=self.port, password=PASSWORD))
        self.process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode(errors='replace')}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None
        if self.owned:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- the mailbox, over IMAP ------------------------------------------------------------------

    def _session(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, raw: bytes, mailbox: str = "INBOX") -> None:
        """APPENDs a letter, unseen, as a mail server delivers it."""
        client = self._session()
        try:
            status, answer = client.append(mailbox, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", f"APPEND answered {status} {answer!r}; {self.log_tail()}"
        finally:
            client.logout()

    def log_tail(self, lines: int = 5) -> str:
        try:
            return " | ".join((self.dir / "dovecot.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no dovecot.log)"

    def flags(self, mailbox: str = "INBOX") -> list[str]:
        """Each letter's flags, in UID order."""
        client = self._session()
        try:
            client.select(mailbox, readonly=True)
            status, lines = client.uid("fetch", "1:*", "(FLAGS)")
            return [line.decode() for line in lines if isinstance(line, bytes)] if status == "OK" else []
        finally:
            client.logout()

    def unseen(self, mailbox: str = "INBOX") -> int:
        client = self._session()
        try:
            client.select(mailbox, readonly=True)
            status, lines = client.uid("search", None, "UNSEEN")
            return len(lines[0].split()) if status == "OK" and lines[0] else 0
        finally:
            client.logout()

    def clear(self, mailbox: str = "INBOX") -> None:
        client = self._session()
        try:
            client.select(mailbox)
            client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
            client.expunge()
        except imaplib.IMAP4.error:
            pass  # an empty mailbox has no 1:*
        finally:
            client.logout()
