"""The desktop app entry: single instance, tel:/sip: hand-over, and the window's lifetime.

`python main.py` starts the window; `python main.py tel:+1415…` (or a sip: URI, as a desktop
link handler passes it) dials in the running window if there is one: the second process sends
the URI over a QLocalSocket and exits 0. `DesktopApp` is the composition the window, the
tests and the start-up benchmark share: bridge → services (store → engine → coach) → window →
controller, and `shutdown()` in reverse.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from typing import Any

from app.settings import config_dir, load_settings

log = logging.getLogger(__name__)

URI_SCHEMES = ("tel:", "sip:", "sips:", "callto:")


def server_name() -> str:
    """One instance per user and config dir (tests with their own config dir don't collide)."""
    key = hashlib.sha1(str(config_dir()).encode()).hexdigest()[:10]
    return f"callcoach-{os.getuid()}-{key}"


def hand_over(uri: str, timeout_ms: int = 1500) -> bool:
    """Give the URI (or '' = just show yourself) to a running instance; False if none runs."""
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(server_name())
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write((uri or "show").encode() + b"\n")
    sock.flush()
    sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    return True


class DesktopApp:
    def __init__(self, *, engine_config: Any = None, db_path: Any = None,
                 model_path: str | None = None, use_engine: bool = True,
                 use_model: bool = True, listen: bool = True) -> None:  # fmt: skip
        from PySide6.QtWidgets import QApplication

        from app.qt_sources import stop_source_caching

        stop_source_caching()  # before the window's imports: PySide6 would cache their source
        from app import first_run
        from app.bridge import Bridge
        from app.call_controller import CallController
        from app.lifecycle import Services
        from app.main_window import MainWindow
        from app.settings_wiring import SettingsWiring
        from app.status_wiring import StatusWiring
        from softphone.ui.theme import stylesheet

        self.t0 = time.perf_counter()
        self.qapp = QApplication.instance() or QApplication(sys.argv[:1])
        self.qapp.setApplicationName("Call Coach")
        self.qapp.setDesktopFileName("callcoach")
        self.qapp.setStyleSheet(stylesheet())
        self.settings = load_settings()
        self.bridge = Bridge()
        self.services = Services(self.bridge, self.settings, engine_config=engine_config,
                                 db_path=db_path, model_path=model_path,
                                 use_engine=use_engine, use_model=use_model)  # fmt: skip
        self.services.start()
        self.window = MainWindow(self.settings)
        self._add_calling_page()  # beside Phone; built on first show, after the controller
        self._add_library_screens()
        self.controller = CallController(self.window, self.bridge, self.services, self.settings)
        self.settings_wiring = SettingsWiring(self.window, self.bridge, self.services)
        self.status_wiring = StatusWiring(self.window, self.bridge, self.services, self.settings)
        self.first_run = None
        if first_run.is_due(self.settings):  # a fresh install: name, model, headset, account
            from app.first_run_wiring import FirstRunWiring

            self.first_run = FirstRunWiring(self.window, self.services, self.settings_wiring)
        self.pending_uri = ""
        self.services.phone.on_engine_ready.append(self._engine_ready)
        self.server = self._listen() if listen else None
        self.stopped = False

    def show(self) -> None:
        from PySide6.QtCore import QByteArray

        geo = self.settings.window_geometry
        if geo:
            self.window.restoreGeometry(QByteArray.fromBase64(geo.encode()))
        else:
            self.window.resize(1280, 760)
        self.window.show()
        if self.first_run is not None and not self.first_run.closed:
            self.first_run.show()

    def dial_when_ready(self, uri: str) -> None:
        if self.services.engine_ready.is_set():
            self.bridge.dialRequested.emit(uri)
        else:
            self.pending_uri = uri
            self.window.phone.dialer.set_number(uri)

    def _engine_ready(self) -> None:
        if self.pending_uri:
            uri, self.pending_uri = self.pending_uri, ""
            self.bridge.dialRequested.emit(uri)

    def _add_library_screens(self) -> None:
        """The review and coaching screens (library helper), built when first opened."""
        import importlib.util

        for key, label, module, cls, ic in (
            ("review", "Review", "coach.ui.review", "ReviewScreen", "history"),
            ("coaching", "Coaching", "coach.ui.coaching", "CoachingScreen", "chart"),
        ):
            if importlib.util.find_spec(module) is None:
                continue

            def build(module: str = module, cls: str = cls) -> Any:
                return getattr(importlib.import_module(module), cls)(self.services)

            self.window.add_page(key, label, ic, build)

    def _add_calling_page(self) -> None:
        """Call lists, the power-dialing queue and practice (built when first opened)."""

        def build() -> Any:
            from app.calling_page import CallingPage

            return CallingPage(self.services, self.settings, self.controller, self.window)

        self.window.add_page("calling", "Calling", "coach", build)

    def _listen(self) -> Any:
        from PySide6.QtNetwork import QLocalServer

        server = QLocalServer(self.window)
        name = server_name()
        if not server.listen(name):
            QLocalServer.removeServer(name)  # a stale socket from a crashed instance
            if not server.listen(name):
                log.warning("single-instance server failed: %s", server.errorString())
                return None
        server.newConnection.connect(lambda: self._accept(server))
        return server

    def _accept(self, server: Any) -> None:
        while server.hasPendingConnections():
            sock = server.nextPendingConnection()

            def read(s: Any = sock) -> None:
                for line in bytes(s.readAll()).decode(errors="replace").splitlines():
                    self._handle(line.strip())

            sock.readyRead.connect(read)
            sock.disconnected.connect(sock.deleteLater)
            if sock.bytesAvailable():
                read()

    def _handle(self, message: str) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        if message.lower().startswith(URI_SCHEMES):
            self.dial_when_ready(message)

    def shutdown(self) -> list[str]:
        """Stop in reverse: hang up, UI, coach, engine, store. Returns leftover threads."""
        from app.lifecycle import leftovers
        from app.settings import save_settings

        if self.stopped:
            return []
        self.stopped = True
        c = self.controller
        if c.call_id is not None and self.services.engine is not None:
            cid, engine = c.call_id, self.services.engine
            self.services.commands.submit(
                lambda: engine.hangup(cid), None, lambda msg: log.info("hang-up at exit: %s", msg)
            )
        calling = self.window.pages.get("calling")
        if calling is not None:  # the queue's worker goes before the engine it dials with
            try:
                calling.shutdown()
            except Exception:
                log.exception("stopping the calling session failed")
        c.shutdown()  # the call's session writes its last rows before the store stops
        if self.first_run is not None:  # quitting during the first run ends it too
            self.first_run.closed = True
            self.first_run.flow.finish(save=False)
            self.first_run.dialog.hide()
        try:
            self.settings.window_geometry = bytes(self.window.saveGeometry().toBase64()).decode()
            save_settings(self.settings)
        except OSError:
            log.warning("settings could not be saved at exit", exc_info=True)
        self.settings_wiring.meter.stop()
        if self.server is not None:
            self.server.close()
        self.window.tray.hide()
        self.window.close()
        self.services.stop()
        left = leftovers()
        # Qt objects go now, before the QApplication, not in random order at interpreter exit
        from PySide6.QtCore import QCoreApplication, QEvent

        self.window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        return left


def _quit_on_sigterm(app: Any) -> dict:
    """SIGTERM (logout, a service manager) ends the app through the same orderly shutdown,
    also when it arrives before the event loop runs."""
    import signal

    from PySide6.QtCore import QTimer

    state = {"stop": False}

    def handler(*_: Any) -> None:
        state["stop"] = True
        app.quit()

    signal.signal(signal.SIGTERM, handler)
    timer = QTimer(app)  # Python runs signal handlers only between bytecodes: wake it up
    timer.timeout.connect(lambda: None)
    timer.start(250)
    return state


def run_desktop(argv: list[str]) -> int:
    """`python main.py [URI]` — the desktop app."""
    uri = next((a for a in argv if a.lower().startswith(URI_SCHEMES)), "")
    unknown = [a for a in argv if a != uri and not a.startswith("-")]
    if unknown:
        print(
            f"'{unknown[0]}' is not a command or a tel:/sip: address; see --help.", file=sys.stderr
        )
        return 2
    logging.basicConfig(level=logging.INFO if "-v" in argv else logging.WARNING,
                        format="%(asctime)s %(threadName)s %(name)s: %(message)s")  # fmt: skip
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    sigterm = _quit_on_sigterm(app)
    if hand_over(uri):
        return 0
    desktop = DesktopApp()
    code = 0
    try:
        desktop.show()
        if uri:
            desktop.dial_when_ready(uri)
        if not sigterm["stop"]:
            code = app.exec()
    finally:
        left = desktop.shutdown()
        if left:
            log.warning("still running after shutdown: %s", ", ".join(left))
        del desktop
    return code
