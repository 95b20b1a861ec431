"""Secrets and privacy: a whole session — an account registering against kamailio with digest
auth, a call through it to a second engine, the live coach, then the library's review, bundle,
CSV and coaching-session PDF — with a known, unique SIP password, HOME, the config and the data
folders in a temp folder. Afterwards no file under them, and no log line of the app or the
engine (pjsua logging turned up), holds the password: not as text, UTF-16, hex or base64, and
not inside zip members or compressed PDF streams. The password only lives in keyring (the test
backend in tests/sip_keyring.py).

The same session checks what goes on the network (loopback, default namespace; not a network
namespace): strace follows the app's engine process (every connect/sendto/sendmsg, SIP and RTP
are sent from there) and a Python audit hook follows the app process itself (socket connect,
sendto and every name lookup: a model library phoning home, telemetry, DNS). Every destination
must be the registrar (kamailio) or the far end's own RTP/RTCP ports; the app process must not
open a network socket or look up a name at all."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.needs import needs, tool_path
from tests.sip_support import FIXTURES, engine, free_port

pytestmark = [pytest.mark.sip, pytest.mark.ui, pytest.mark.asr, needs("kamailio", "flite", "strace")]

ROOT = Path(__file__).resolve().parent.parent
USER, USER2 = "alice", "1002"
PASSWORD = f"Cc-{uuid.uuid4().hex[:12]}-Zx"  # unique per run: no false hit from old files
REP_LINE = "Hi Dana, as we discussed, I am just checking in to touch base with you."
PROSPECT_LINE = "Hello, yes. We are looking for a new phone system for the sales team."


def forms(secret: str) -> dict[str, bytes]:
    """Every way the password could sit in a file: text, UTF-16, hex, base64 at each of the
    three alignments a longer base64 string could put it at (edges that depend on the
    neighbouring bytes are dropped)."""
    raw = secret.encode()
    out = {
        "text": raw,
        "utf-16": secret.encode("utf-16-le"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
    }
    for pad in range(3):
        b64 = base64.b64encode(b"\0" * pad + raw)
        core = b64[(pad * 4 + 2) // 3 + 1 : -3]  # only characters fixed by the secret alone
        out[f"base64+{pad}"] = core
        out[f"base64url+{pad}"] = core.replace(b"+", b"-").replace(b"/", b"_")
    return out


def _payloads(path: Path, data: bytes) -> list[tuple[str, bytes]]:
    """The file's bytes, plus what is inside it when it is a zip or holds zlib streams (PDF)."""
    out = [(str(path), data)]
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    inner = z.read(name)
                    out += _payloads(Path(f"{path}!{name}"), inner) if inner[:4] == b"PK\x03\x04" and False else [(f"{path}!{name}", inner)]
        except zipfile.BadZipFile:
            pass
    for m in re.finditer(rb"stream\r?\n", data):  # PDF content streams, Flate-compressed
        try:
            out.append((f"{path}@{m.end()}", zlib.decompressobj().decompress(data[m.end() :])))
        except zlib.error:
            pass
    return out


def leaks(root: Path, secret: str) -> list[str]:
    found = []
    needles = forms(secret)
    for p in root.rglob("*"):
        if not p.is_file() or p.is_symlink():
            continue
        for where, blob in _payloads(p, p.read_bytes()):
            found += [f"{where}: {k}" for k, n in needles.items() if n and n in blob]
    return found


def test_forms_find_a_planted_secret(tmp_path: Path) -> None:
    """The grep itself works: each form, planted in a file (zipped, deflated), is found."""
    secret = "Cc-planted-secret-Zx"
    for i, (k, needle) in enumerate(forms(secret).items()):
        (tmp_path / f"{i}.txt").write_bytes(b"x" * i + base64.b64encode(b"ab" + secret.encode())
                                            if k.startswith("base64+") else b"head " + needle)
    with zipfile.ZipFile(tmp_path / "b.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("settings.json", json.dumps({"pw": secret}))
    (tmp_path / "c.pdf").write_bytes(b"%PDF\nstream\n" + zlib.compress(secret.encode()) + b"\nendstream")
    hits = leaks(tmp_path, secret)
    assert any("b.zip!settings.json" in h for h in hits) and any("c.pdf@" in h for h in hits)
    assert len({h.split(":")[0] for h in hits}) >= 6, hits


_NET_EVENTS = ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
               "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo")  # fmt: skip
_net_seen: list[tuple] = []
_net_on = threading.Event()


def _audit(event: str, args: tuple) -> None:
    # an audit hook cannot be removed: it records only while a test switches it on
    if _net_on.is_set() and event in _NET_EVENTS:
        sock = args[0] if event.startswith("socket.send") or event == "socket.connect" else None
        family = getattr(sock, "family", None)
        if family is not None and family not in (2, 10):  # AF_INET, AF_INET6; not AF_UNIX pipes
            return
        _net_seen.append((event, repr(args[1:] if sock is not None else args)[:200]))


sys.addaudithook(_audit)

_DEST = re.compile(r"sin6?_port=htons\((\d+)\), (?:sin_addr=inet_addr\(\"([^\"]+)\"\)|"
                   r"inet_pton\(AF_INET6, \"([^\"]+)\")")  # fmt: skip


def _destinations(strace_out: str) -> set[tuple[str, int]]:
    out = set()
    for line in strace_out.splitlines():
        if "AF_INET" not in line:
            continue
        for m in _DEST.finditer(line):
            out.add((m.group(2) or m.group(3), int(m.group(1))))
    return out


def _udp_ports(pid: int) -> set[int]:
    lines = subprocess.run(["ss", "-uanpH"], capture_output=True, text=True, check=True).stdout
    return {int(ln.split()[3].rsplit(":", 1)[1]) for ln in lines.splitlines() if f"pid={pid}," in ln}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001
            self.lines.append(str(record.msg))


@pytest.fixture
def registrar(tmp_path: Path):
    port = free_port()
    cfg = (FIXTURES / "kamailio" / "kamailio.cfg").read_text()
    for k, v in {"PORT": port, "USER": USER, "USER2": USER2, "PASSWORD": PASSWORD}.items():
        cfg = cfg.replace(f"@{k}@", str(v))
    work = tmp_path / "kamailio"  # outside the app's folders: the registrar may know it
    work.mkdir()
    (work / "kamailio.cfg").write_text(cfg)
    from tests.needs import tool_path

    proc = subprocess.Popen(
        [tool_path("kamailio"), "-f", str(work / "kamailio.cfg"), "-DD", "-E", "-Y", str(work),
         "-m", "32", "-M", "8"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield port
    os.killpg(proc.pid, 9)
    proc.wait()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME, config and data in one temp folder; the password only in the test keyring."""
    root = tmp_path / "user"
    for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
              "CALLCOACH_CONFIG_DIR"):  # fmt: skip
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HOME", str(root / "home"))
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sip_keyring.EnvKeyring")
    # the far end's desk phone (1002) shares the password; the rep's goes in through Settings
    monkeypatch.setenv("CALLCOACH_TEST_SECRETS", json.dumps({f"callcoach/{USER2}@127.0.0.1": PASSWORD}))
    (root / "home").mkdir(parents=True)
    return root


def _flite(text: str, out: Path) -> Path:
    subprocess.run(["flite", "-voice", "kal16", "-t", text, "-o", str(out)], check=True)
    return out


def test_a_whole_session_never_writes_the_sip_password(
    home: Path, registrar: int, tmp_path: Path, qtbot
) -> None:
    from app.desktop import DesktopApp
    from app.settings import Settings, SipAccount, save_settings, settings_path, store_password
    from softphone.accounts import AccountConfig
    from softphone.protocol import EngineConfig, IncomingCall, RegistrationChanged

    server = f"127.0.0.1:{registrar}"
    acct = SipAccount(id="work", display_name="Pat", server=server, username=USER)
    assert store_password(acct, PASSWORD) is None  # what Settings does with the typed password
    save_settings(Settings(accounts=[acct], rep_name="Pat"))
    assert str(settings_path()).startswith(str(home))  # under the temp HOME

    records = _Records()
    records.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root_log = logging.getLogger()
    old_level = root_log.level
    root_log.addHandler(records)
    root_log.setLevel(logging.DEBUG)
    rep = _flite(REP_LINE, tmp_path / "rep.wav")
    prospect = _flite(PROSPECT_LINE, tmp_path / "prospect.wav")
    # pjsua at level 5 logs every SIP message: the worst case for a leak in the engine's log
    cfg = EngineConfig(bind_address="127.0.0.1", audio="file", play_file=str(rep), log_level=5)
    try:
        with engine(audio="file", play_file=str(prospect), loop_play=True) as (far, flog):
            far.add_account(AccountConfig(id="desk", registrar=server, user=USER2))
            flog.wait_for(lambda e: isinstance(e, RegistrationChanged) and e.registered, 5)

            def pick_up() -> None:
                inc = flog.wait_for(lambda e: isinstance(e, IncomingCall), 40)
                far.answer(inc.call_id)

            picker = threading.Thread(target=pick_up, daemon=True)
            picker.start()
            app = DesktopApp(engine_config=cfg, model_path=os.environ.get("CALLCOACH_MODEL"))
            try:
                app.show()
                qtbot.waitUntil(app.services.engine_ready.is_set, timeout=20000)
                qtbot.waitUntil(lambda: app.services.model is not None, timeout=30000)
                engine_pid = app.services.engine._proc.pid
                trace = subprocess.Popen(
                    [tool_path("strace"), "-f", "-qq", "-s", "0", "-e", "signal=none",
                     "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", str(tmp_path / "net.trace"),
                     "-p", str(engine_pid)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                )  # fmt: skip
                time.sleep(1.0)  # attached to every thread before the call starts
                _net_on.set()
                states: list[str] = []
                app.bridge.callStateChanged.connect(lambda ev: states.append(ev.state))
                app.controller.dial_text(USER2)
                qtbot.waitUntil(lambda: "connected" in states, timeout=20000)
                far_ports = _udp_ports(far._proc.pid)
                feed = app.window.phone.coach.feed
                qtbot.waitUntil(lambda: len(feed.flag_cards()) > 0, timeout=30000)
                app.controller.hangup()
                qtbot.waitUntil(lambda: "disconnected" in states, timeout=10000)
                time.sleep(1.0)  # the store writer finishes the call's rows
                # a review in the window (the call's page reads the library), still watched
                app.controller.review_last_call()
                qtbot.wait(1000)
                _net_on.clear()
                trace.terminate()
                trace.wait(10)
            finally:
                _net_on.clear()
                app.shutdown()  # (leftover threads: the far end's client lives in this process)
    finally:
        root_log.removeHandler(records)
        root_log.setLevel(old_level)

    # on the network: only the registrar and the far end's RTP, nothing from the app process
    sent = _destinations((tmp_path / "net.trace").read_text())
    allowed = {("127.0.0.1", registrar)} | {("127.0.0.1", p) for p in far_ports}
    assert sent, "strace saw the engine send (SIP and RTP)"
    assert ("127.0.0.1", registrar) in sent and sent - {("127.0.0.1", registrar)}, sent
    assert sent <= allowed, sent - allowed
    assert _net_seen == [], _net_seen

    # review, bundle, CSV and a coaching session's PDF, from the command line as a lead would
    today = dt.date.today().isoformat()
    out = home / "home" / "exports"
    out.mkdir()

    def run(*args: str) -> str:
        r = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=False)  # fmt: skip
        assert r.returncode == 0, (args, r.stderr)
        return r.stdout + r.stderr

    calls = json.loads(run("library", "calls", "--json"))
    assert calls, "the call is in the library"
    cli_out = [run("library", "review", str(calls[0]["id"]), "--json")]
    cli_out.append(run("library", "export-bundle", str(out / "week.ccbundle")))
    cli_out.append(run("library", "export-csv", str(out / "week.csv")))
    sid = run("session", "create", "--rep", "Pat", "--since", today, "--until", today).split()[-1]
    sid = re.search(r"\d+", sid).group(0)
    moments = json.loads(run("session", "moments", sid, "--json"))
    if moments:
        run("session", "add", sid, "--flag", str(moments[0]["flag_id"]))
    cli_out.append(run("session", "export-pdf", sid, str(out / "session.pdf")))
    assert (out / "session.pdf").stat().st_size > 1000

    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files) and any(p.name == "settings.json" for p in files)
    assert leaks(home, PASSWORD) == []
    logs = "\n".join(records.lines + cli_out)
    assert "REGISTER" in logs or "engine" in logs, "the engine's log was captured"
    hits = [k for k, n in forms(PASSWORD).items() if n.decode("latin-1") in logs]
    assert hits == [], hits
