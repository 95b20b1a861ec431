"""Entry point of the engine process and its two pipe threads.

The app starts `python -m softphone.engine --fd N` with one end of a socket pair as fd N
(a multiprocessing Connection). The first message is the EngineConfig. Then:
- "engine-commands" reads Requests from the pipe into the SIP thread's queue (EOF, i.e. the
  app went away, becomes a Shutdown);
- "engine-events" sends the events and replies that the SIP thread queues;
- the main thread, renamed "sip", runs SipThread until Shutdown.
SIGTERM asks for an orderly shutdown; SIGINT is ignored (the app decides when we stop).
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
from multiprocessing.connection import Connection

from softphone.protocol import EngineConfig, EngineStopped, Request, Shutdown

log = logging.getLogger("softphone.engine")


def _reader(conn: Connection, commands: queue.Queue) -> None:
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            commands.put(Request(-1, Shutdown()))
            return
        except Exception:  # one bad message must not deafen the engine
            logging.getLogger(__name__).exception("ignored a command that could not be read")
            continue
        commands.put(msg)


def _writer(conn: Connection, events: queue.Queue) -> None:
    while True:
        msg = events.get()
        if msg is None:
            return
        try:
            conn.send(msg)
        except (OSError, ValueError):
            return  # the app is gone; the reader will see EOF and shut us down


def run(fd: int) -> int:
    """Serve one app over the connection on fd until it says Shutdown or goes away."""
    os.dup2(2, 1)  # pjlib prints to stdout before its log config applies: keep it on stderr
    conn = Connection(fd)
    config: EngineConfig = conn.recv()
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="engine %(levelname)s %(name)s: %(message)s"
    )
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    commands: queue.Queue = queue.Queue()
    events: queue.Queue = queue.Queue()
    signal.signal(signal.SIGTERM, lambda *_: commands.put(Request(-1, Shutdown())))
    threading.Thread(
        target=_reader, args=(conn, commands), name="engine-commands", daemon=True
    ).start()
    writer = threading.Thread(target=_writer, args=(conn, events), name="engine-events")
    writer.start()

    from softphone.engine.sip_thread import SipThread  # pjsua2 loads only in this process

    code = 0
    try:
        SipThread(config, commands, events.put).run()
    except Exception as e:  # noqa: BLE001 - report why, then exit non-zero
        log.error("%s", e)
        code = 3
    events.put(EngineStopped())
    events.put(None)
    writer.join(timeout=3)
    conn.close()
    return code


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m softphone.engine", description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="connection file descriptor")
    args = parser.parse_args(argv)
    code = run(args.fd)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: every pjsua2 object is already gone, and the daemon reader
    # thread is blocked in recv(); a plain exit could still race it.
    os._exit(code)
