"""The desktop app as a whole: single instance with tel:/sip: hand-over, settings saved without
secrets, an incoming call from a real second engine, and failures shown as sentences."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.ui


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_second_process_hands_the_uri_to_the_running_window(dirs: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    first = subprocess.Popen(
        [sys.executable, "main.py", "-v"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        from app.desktop import hand_over

        deadline = time.monotonic() + 20
        while not hand_over("", 200):  # "" = just raise the window
            assert first.poll() is None, first.stderr.read()
            assert time.monotonic() < deadline, "the first instance never listened"
            time.sleep(0.2)
        t0 = time.monotonic()
        second = subprocess.run(
            [sys.executable, "main.py", "tel:+14155550100"], check=False, cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=20,
        )  # fmt: skip
        assert second.returncode == 0, second.stderr
        assert time.monotonic() - t0 < 10
        # The first window got it and dialled once its engine was up: no SIP account here, so
        # it says so in a sentence (logged with -v).
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(first.stderr), daemon=True)
        reader.start()
        sentence = "Add a SIP account in Settings to dial phone numbers."
        deadline = time.monotonic() + 20
        while not any(sentence in ln for ln in lines) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(sentence in ln for ln in lines), "".join(lines[-20:])
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
        reader.join(5)
        assert not any("still running after shutdown" in ln for ln in lines)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()


def test_unknown_argument_is_a_sentence_and_exit_code_2(dirs: Path) -> None:
    r = subprocess.run([sys.executable, "main.py", "bogus"], check=False, cwd=ROOT, capture_output=True,
                       text=True, timeout=30)  # fmt: skip
    assert r.returncode == 2
    assert "is not a command or a tel:/sip: address" in r.stderr
    assert "Traceback" not in r.stderr


def test_settings_page_saves_json_and_password_goes_to_keyring(qtbot, dirs: Path, monkeypatch):
    import keyring

    from app.settings import load_settings, settings_path
    from tests.sip_keyring import EnvKeyring

    monkeypatch.setenv("CALLCOACH_TEST_SECRETS", "{}")
    keyring.set_keyring(EnvKeyring())
    from app.desktop import DesktopApp

    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        app.window.show_page("settings")
        page = app.window.settings_page
        acct = page.account
        acct.server.setText("pbx.example.com")
        acct.username.setText("1001")
        acct.password.setText("s3cret-Pass")
        acct.transport.setCurrentIndex(acct.transport.findData("tls"))
        acct.region.setText("gb")
        acct.rep_name.setText("Alex")
        page.coach.kind_boxes["pressure"].setChecked(False)
        with qtbot.waitSignal(page.saved):
            qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)
        assert page.message.text() == "Saved."
        raw = settings_path().read_text()
        assert "s3cret-Pass" not in raw
        data = json.loads(raw)
        assert data["accounts"][0]["server"] == "pbx.example.com"
        assert data["accounts"][0]["transport"] == "tls"
        assert data["default_region"] == "GB" and data["rep_name"] == "Alex"
        assert "pressure" not in data["live_flags"] and "arguing" in data["live_flags"]
        assert keyring.get_password("callcoach", "1001@pbx.example.com") == "s3cret-Pass"
        assert load_settings().account().username == "1001"
        # the dialer now reads numbers in the new home country
        app.window.show_page("phone")
        app.window.phone.dialer.field.setText("020 7946 0958")
        assert app.window.phone.dialer.target().dial == "+442079460958"
    finally:
        assert app.shutdown() == []


def test_audio_buffer_choice_round_trips_into_the_engine_config(qtbot, dirs: Path) -> None:
    from app.desktop import DesktopApp
    from app.settings import load_settings, settings_path

    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        page = app.window.settings_page
        buffer = page.audio.buffer
        assert buffer.currentData() == 10 and "steady (default)" in buffer.currentText()
        assert app.services.phone.default_engine_config().audio_block_ms == 10
        buffer.setCurrentIndex(buffer.findData(5))
        assert "needs a quiet computer" in buffer.currentText()
        with qtbot.waitSignal(page.saved):
            qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)
        assert json.loads(settings_path().read_text())["audio_block_ms"] == 5
        assert app.services.phone.default_engine_config().audio_block_ms == 5
    finally:
        assert app.shutdown() == []
    app = DesktopApp(use_engine=False, use_model=False, listen=False)  # the next start
    try:
        assert app.window.settings_page.audio.buffer.currentData() == 5
        assert app.services.phone.default_engine_config().audio_block_ms == 5
    finally:
        assert app.shutdown() == []
    # a hand-edited bad value loses nothing else and falls back to the steady 10 ms
    data = json.loads(settings_path().read_text())
    data["audio_block_ms"], data["rep_name"] = 7, "Sam"
    settings_path().write_text(json.dumps(data))
    s = load_settings()
    assert s.audio_block_ms == 10 and s.rep_name == "Sam"


def test_damaged_settings_file_gives_defaults(dirs: Path) -> None:
    from app.settings import load_settings, settings_path

    settings_path().parent.mkdir(parents=True)
    settings_path().write_text("{not json")
    assert load_settings().default_region == "US"


@pytest.mark.sip
def test_incoming_call_rings_answers_holds_and_hangs_up(qtbot, dirs: Path) -> None:
    from app.desktop import DesktopApp
    from softphone.protocol import EngineConfig

    app = DesktopApp(engine_config=EngineConfig(bind_address="127.0.0.1"), use_model=False,
                     listen=False)  # fmt: skip
    app.show()
    w = app.window
    caller = None
    try:
        qtbot.waitUntil(app.services.engine_ready.is_set, timeout=20000)
        port = app.services.engine.info.sip_port
        states: list[str] = []
        app.bridge.callStateChanged.connect(lambda ev: states.append(ev.state))
        caller = subprocess.Popen(
            [sys.executable, "main.py", "call", f"sip:rep@127.0.0.1:{port}", "--bind",
             "127.0.0.1", "--seconds", "30"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        qtbot.waitUntil(w.incoming.isVisible, timeout=15000)
        assert re.match(r"sip:\S+@127\.0\.0\.1", w.incoming.caller.text())
        assert w.phone.controls.state_label.text() == "Incoming call"
        assert w.tray.last_message.endswith("is calling")
        assert app.controller.ringer.ringing
        qtbot.mouseClick(w.incoming.answer_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "connected" in states, timeout=10000)
        assert not app.controller.ringer.ringing
        qtbot.keyClick(w, "h", modifier=Qt.KeyboardModifier.ControlModifier)  # Ctrl+H holds
        qtbot.waitUntil(lambda: "held" in states, timeout=10000)
        assert w.phone.controls.hold.isChecked()
        qtbot.keyClick(w, "h", modifier=Qt.KeyboardModifier.ControlModifier)  # and resumes
        qtbot.waitUntil(lambda: states[-1] == "connected", timeout=10000)
        qtbot.keyClick(w, "m", modifier=Qt.KeyboardModifier.ControlModifier)
        assert w.phone.controls.mute.isChecked()
        qtbot.keyClick(w.phone.dialer.field, "7")  # a digit in a call is a touch tone
        assert w.phone.controls.dtmf_sent.text() == "7"
        assert w.phone.dialer.field.text() == ""
        qtbot.keyClick(w, Qt.Key.Key_Escape)  # Esc hangs up
        qtbot.waitUntil(lambda: states[-1] == "disconnected", timeout=10000)
        assert caller.wait(15) == 0  # the far end saw a connected call end normally
    finally:
        if caller is not None and caller.poll() is None:
            caller.kill()
            caller.wait()
        assert app.shutdown() == []


@pytest.mark.sip
def test_unreachable_peer_reads_as_a_sentence(qtbot, dirs: Path) -> None:
    from app.desktop import DesktopApp
    from softphone.protocol import EngineConfig
    from tests.sip_support import free_port

    app = DesktopApp(engine_config=EngineConfig(bind_address="127.0.0.1"), use_model=False,
                     listen=False)  # fmt: skip
    try:
        qtbot.waitUntil(app.services.engine_ready.is_set, timeout=20000)
        port = free_port()
        app.window.phone.dialer.set_number(f"sip:nobody@127.0.0.1:{port};transport=tcp")
        app.window.phone.dialer.dial()
        c = app.window.phone.controls
        qtbot.waitUntil(lambda: c.state == "disconnected", timeout=20000)
        assert not c.reason.isHidden()
        text = c.reason.text()
        assert text and text[0].isupper() and text.endswith((".", "?", "!"))
        assert "Traceback" not in text and "Error(" not in text
    finally:
        assert app.shutdown() == []


@pytest.mark.sip
def test_status_bar_shows_registration_with_a_real_registrar(qtbot, dirs: Path, monkeypatch):
    """The account from Settings (password in the keyring) registers with kamailio; the
    status bar says so. A registrar that is not there reads as a sentence, not a code."""
    import keyring

    from app.desktop import DesktopApp
    from app.settings import Settings, SipAccount, save_settings, store_password
    from softphone.protocol import EngineConfig
    from tests.sip_keyring import EnvKeyring
    from tests.sip_support import free_port
    from tests.test_sip_registration import KAMAILIO, PASSWORD, USER, Registrar

    if KAMAILIO is None:
        pytest.fail("kamailio is not installed (scripts/setup.sh installs it)")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sip_keyring.EnvKeyring")
    monkeypatch.setenv("CALLCOACH_TEST_SECRETS", "{}")
    keyring.set_keyring(EnvKeyring())
    reg = Registrar(dirs)
    reg.start()
    try:
        for server, expect_ok in ((f"127.0.0.1:{reg.port}", True),
                                  (f"127.0.0.1:{free_port()}", False)):  # fmt: skip
            acct = SipAccount(server=server, username=USER, transport="tcp")
            assert store_password(acct, PASSWORD) is None
            save_settings(Settings(accounts=[acct]))
            app = DesktopApp(engine_config=EngineConfig(bind_address="127.0.0.1"),
                             use_model=False, listen=False)  # fmt: skip
            status = app.window.status.registration
            try:
                if expect_ok:
                    qtbot.waitUntil(lambda s=status: s.text.text() == "Registered", timeout=20000)
                    assert status.dot.property("tone") == "good"
                else:
                    qtbot.waitUntil(lambda s=status: s.dot.property("tone") == "bad", timeout=30000)
                    text = status.text.text()
                    assert text[0].isupper() and text.endswith((".", "?", "!")), text
                    assert app.window.phone.idle.subtitle.text() == text
                    print("registration failure reads:", text)
            finally:
                assert app.shutdown() == []
    finally:
        reg.kill()


@pytest.mark.sip
def test_engine_killed_mid_call_ends_the_call_and_comes_back(qtbot, dirs: Path) -> None:
    """SIGKILL the engine process during a call: the window says the call ended, restarts the
    engine and can dial again; the call history survived."""
    from app.desktop import DesktopApp
    from softphone.protocol import EngineConfig

    def far_end() -> tuple[subprocess.Popen, str]:
        proc = subprocess.Popen(
            [sys.executable, "main.py", "answer", "--port", "0", "--bind", "127.0.0.1",
             "--seconds", "20", "--wait", "60"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        port = re.search(r"127\.0\.0\.1:(\d+)", proc.stdout.readline()).group(1)
        return proc, f"sip:far@127.0.0.1:{port}"

    app = DesktopApp(engine_config=EngineConfig(bind_address="127.0.0.1"), use_model=False,
                     listen=False)  # fmt: skip
    peers = []
    try:
        qtbot.waitUntil(app.services.engine_ready.is_set, timeout=20000)
        controls = app.window.phone.controls
        for attempt in range(2):
            proc, uri = far_end()
            peers.append(proc)
            app.window.phone.dialer.set_number(uri)
            app.window.phone.dialer.dial()
            qtbot.waitUntil(lambda: controls.state == "connected", timeout=15000)
            if attempt == 0:
                os.kill(app.services.engine.pid, signal.SIGKILL)
                qtbot.waitUntil(lambda: controls.state == "disconnected", timeout=10000)
                assert controls.reason.text()
                qtbot.waitUntil(lambda: app.services.phone.restarts == 1, timeout=20000)
                qtbot.waitUntil(app.services.engine_ready.is_set, timeout=20000)
        app.controller.hangup()
        qtbot.waitUntil(lambda: controls.state == "disconnected", timeout=10000)
        recents = app.window.phone.dialer.list
        qtbot.waitUntil(lambda: recents.count() == 2 and "Outgoing" in recents.item(1).text(),
                        timeout=10000)  # fmt: skip
    finally:
        for p in peers:
            if p.poll() is None:
                p.kill()
                p.wait()
        assert app.shutdown() == []


@pytest.mark.sip
@pytest.mark.audio
def test_saving_new_srtp_setting_restarts_the_engine_between_calls(qtbot, dirs: Path):
    from app.desktop import DesktopApp

    app = DesktopApp(use_model=False, listen=False)  # engine configured from the settings
    try:
        qtbot.waitUntil(app.services.engine_ready.is_set, timeout=20000)
        engine = app.services.engine
        first_pid = engine.pid
        assert engine.config.srtp == "optional" and engine.config.audio == "headset"
        page = app.window.settings_page
        page.account.srtp.setCurrentIndex(page.account.srtp.findData("mandatory"))
        page.account.server.setText("127.0.0.1:5999")  # the SRTP choice lives on the account
        page.account.username.setText("rep")
        with qtbot.waitSignal(page.saved):
            page.save.click()
        qtbot.waitUntil(lambda: engine.pid != first_pid and engine.running, timeout=20000)
        qtbot.waitUntil(app.services.engine_ready.is_set, timeout=20000)
        assert engine.config.srtp == "mandatory"
        assert engine.stats()["bridge"]["block_ms"] == 10
        # the audio buffer is an engine setting too: 5 ms reaches the headset streams
        page.audio.buffer.setCurrentIndex(page.audio.buffer.findData(5))
        second_pid = engine.pid
        with qtbot.waitSignal(page.saved):
            page.save.click()
        qtbot.waitUntil(lambda: engine.pid != second_pid and engine.running, timeout=20000)
        qtbot.waitUntil(app.services.engine_ready.is_set, timeout=20000)
        assert engine.config.audio_block_ms == 5
        bridge = engine.stats()["bridge"]
        assert bridge["mode"] == "headset" and bridge["block_ms"] == 5, bridge
    finally:
        assert app.shutdown() == []
