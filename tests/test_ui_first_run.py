"""The first run in the real window (offscreen): it appears on a fresh config/data folder and
never again, skipping every step lands on a working dialer, the name is saved, and "I have
the file" installs a real Vosk model folder (or gives one sentence for a corrupt zip and
installs nothing)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.needs import need_that

pytestmark = pytest.mark.ui

SHARED_MODEL = Path(__file__).resolve().parents[2] / "shared/models/vosk-model-small-en-us-0.15"


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch) -> Path:
    """A laptop that never ran Call Coach: empty config, data and models folders, no model."""
    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CALLCOACH_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("CALLCOACH_MODEL", raising=False)
    return tmp_path


def _click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_default_name_is_the_os_users_full_name() -> None:
    import getpass
    import pwd

    from app.first_run import default_rep_name

    gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",")[0].strip()
    assert default_rep_name() == (gecos or getpass.getuser())
    assert default_rep_name()


def test_old_settings_file_counts_as_set_up() -> None:
    from app.settings import Settings

    assert Settings().first_run_done is False  # no file: the flow is due
    assert Settings.from_json({"rep_name": "Sam"}).first_run_done is True
    assert Settings.from_json({"first_run_done": False}).first_run_done is False


def test_flow_appears_once_and_saves_the_name(qtbot, fresh: Path) -> None:
    from app.desktop import DesktopApp
    from app.first_run import default_rep_name
    from app.settings import settings_path

    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        app.show()
        assert app.first_run is not None
        d = app.first_run.dialog
        qtbot.waitUntil(d.isVisible, timeout=3000)
        assert not d.isModal()  # the dialer stays usable behind it
        assert d.step == "name" and d.name.field.text() == default_rep_name()
        d.name.field.setText("  Jordan   Rivera ")
        _click(qtbot, d.next)
        assert d.step == "model"
        assert "Download" in d.model.download.text() and "MB" in d.model.download.text()
        _click(qtbot, d.next)  # Next without a model: a sentence, the step stays
        assert d.step == "model" and "press Skip" in d.message.text()
        _click(qtbot, d.skip)
        assert d.step == "headset"
        _click(qtbot, d.skip)
        assert d.step == "account" and d.direct.isVisible()
        _click(qtbot, d.next)  # an empty account form is not an account
        assert d.step == "account" and "Direct calls only" in d.message.text()
        _click(qtbot, d.direct)
        text = d.summary.text()
        assert "Your name: done." in text and "direct calls only" in text
        assert "Speech model: skipped — set it up any time in Settings." in text
        _click(qtbot, d.next)  # Start dialing
        qtbot.waitUntil(lambda: not d.isVisible(), timeout=3000)
        # the Settings page shows the name, and the file has it once the io worker wrote it
        assert app.window.settings_page.account.rep_name.text() == "Jordan Rivera"
        qtbot.waitUntil(lambda: settings_path().exists()
                        and json.loads(settings_path().read_text()).get("first_run_done"),
                        timeout=5000)  # fmt: skip
        assert json.loads(settings_path().read_text())["rep_name"] == "Jordan Rivera"
    finally:
        assert app.shutdown() == []
    second = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        second.show()
        assert second.first_run is None  # not on the second start
        assert second.settings.rep_name == "Jordan Rivera"
    finally:
        assert second.shutdown() == []


def test_skipping_every_step_lands_on_a_working_dialer(qtbot, fresh: Path) -> None:
    from app.desktop import DesktopApp
    from app.settings import load_settings

    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        app.show()
        d = app.first_run.dialog
        qtbot.waitUntil(d.isVisible, timeout=3000)
        for step in ("name", "model", "headset", "account"):
            assert d.step == step
            _click(qtbot, d.skip)
        assert d.summary.text().count("skipped") == 4
        _click(qtbot, d.next)
        qtbot.waitUntil(lambda: not d.isVisible(), timeout=3000)
        w = app.window
        assert w.stack.currentWidget() is w.phone
        qtbot.keyClicks(w.phone.dialer.field, "(415) 555-0100")
        assert w.phone.dialer.target().dial == "+14155550100"
        assert app.settings.rep_name == ""  # skipped: nothing invented
    finally:
        assert app.shutdown() == []
    assert load_settings().first_run_done  # closed is done: it does not come back


def test_closing_the_flow_at_once_never_blocks_and_never_returns(qtbot, fresh: Path) -> None:
    from app.desktop import DesktopApp
    from app.settings import load_settings

    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        app.show()
        d = app.first_run.dialog
        qtbot.waitUntil(d.isVisible, timeout=3000)
        _click(qtbot, d.skip_all)  # "Set up later"
        assert not d.isVisible()
        assert app.window.isVisible()
    finally:
        assert app.shutdown() == []
    assert load_settings().first_run_done


def _install_from(qtbot, app, source: str) -> None:
    app.show()
    d = app.first_run.dialog
    d.show_step("model")
    d.model.installRequested.emit(source)
    qtbot.waitUntil(lambda: not d.model.progress.isVisible()
                    and not d.model.state.text().endswith("…"), timeout=120000)  # fmt: skip


def test_i_have_the_folder_installs_a_real_model(qtbot, fresh: Path) -> None:
    need_that(SHARED_MODEL.is_dir(), f"the small English Vosk model at {SHARED_MODEL}")
    from app.desktop import DesktopApp
    from models.lookup import installed_models

    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        d = app.first_run.dialog
        assert d.model.installed == ""  # a fresh laptop has none
        _install_from(qtbot, app, str(SHARED_MODEL))
        assert d.model.state.text().startswith("Installed"), d.model.state.text()
        installed = installed_models()
        assert [p.name for p in installed] == [SHARED_MODEL.name]
        assert (installed[0] / "am" / "final.mdl").stat().st_size == (
            SHARED_MODEL / "am" / "final.mdl").stat().st_size  # fmt: skip
        assert app.settings.model_path == str(installed[0])
        _click(qtbot, d.next)  # a model is there now: Next is accepted
        assert d.step == "headset"
    finally:
        assert app.shutdown() == []


def test_a_corrupt_zip_is_one_sentence_and_installs_nothing(qtbot, fresh: Path) -> None:
    from app.desktop import DesktopApp

    bad = fresh / "vosk-model-small-en-us-0.15.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("vosk-model-small-en-us-0.15/README", "not a model")
    bad.write_bytes(bad.read_bytes()[:-30])  # cut: the central directory is damaged
    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        d = app.first_run.dialog
        _install_from(qtbot, app, str(bad))
        sentence = d.model.state.text()
        assert sentence and "\n" not in sentence and "Traceback" not in sentence
        assert sentence.rstrip().endswith(".") and d.model.state.property("role") == "error"
        assert d.model.installed == "" and app.settings.model_path == ""
        models = fresh / "models"
        assert not [p for p in models.iterdir() if not p.name.startswith(".")]
        assert not list(models.glob(".installing-*"))  # the staging folder went too
    finally:
        assert app.shutdown() == []


@pytest.mark.audio
def test_headset_and_account_steps_save_devices_and_keep_the_password_in_the_keyring(
    qtbot, fresh: Path, monkeypatch
) -> None:
    import keyring

    from app.desktop import DesktopApp
    from app.settings import settings_path
    from tests.sip_keyring import EnvKeyring

    monkeypatch.setenv("CALLCOACH_TEST_SECRETS", "{}")
    keyring.set_keyring(EnvKeyring())
    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        app.show()
        d = app.first_run.dialog
        _click(qtbot, d.skip)
        _click(qtbot, d.skip)
        assert d.step == "headset"
        qtbot.waitUntil(lambda: d.headset.input.count() > 1, timeout=10000)  # real devices
        d.headset.input.setCurrentIndex(1)
        mic = d.headset.input.currentData()
        assert mic
        _click(qtbot, d.next)
        assert d.step == "account" and app.settings.input_device == mic
        # the Settings tab shows the same choice, so a later Save there keeps it
        audio = app.window.settings_page.audio
        qtbot.waitUntil(lambda: audio.input.currentData() == mic, timeout=10000)
        acct = d.account
        acct.server.setText("pbx.example.com")
        acct.username.setText("1001")
        acct.password.setText("s3cret-Pass")
        _click(qtbot, d.next)  # Save account
        qtbot.waitUntil(lambda: d.step == "", timeout=5000)
        assert "Phone account: done." in d.summary.text()
        assert keyring.get_password("callcoach", "1001@pbx.example.com") == "s3cret-Pass"
        _click(qtbot, d.next)
        qtbot.waitUntil(lambda: settings_path().exists()
                        and "1001" in settings_path().read_text(), timeout=5000)  # fmt: skip
        raw = settings_path().read_text()
        assert "s3cret-Pass" not in raw and mic in raw
        assert app.window.settings_page.account.server.text() == "pbx.example.com"
    finally:
        assert app.shutdown() == []
