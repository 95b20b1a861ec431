"""Soak: the app's engine client makes N calls in a row, and the figures that show a leak.

One engine (softphone.client.EngineClient, exactly what the app runs) calls, in rotation:
sipp answering (the rep hangs up / sipp hangs up), sipp busy (486), sipp ringing until the rep
gives up (CANCEL), a second engine answering (either side hangs up), hold and resume, a call
from the second engine that the rep answers, and a blind transfer to a third engine. The
taps are drained all along like the coach does. Printed as one JSON object:

- calls done, failures (each with its call number, kind and what went wrong);
- snapshots at start, after the warm-up (one call of each kind) and every `every` calls:
  RSS (kB), open fds (/proc/PID/fd), threads and shared-memory segments for the app process
  (this one) and the engine process, /dev/shm entries of the engine, engine restarts;
- growth from the warm-up snapshot to the end, and whether the goal is met: 0 failures, no
  fd/thread/segment growth, RSS +10 % at most.

    python benchmarks/soak.py [--calls 200] [--hold 1.0]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from softphone.client import EngineClient
from softphone.errors import EngineError
from softphone.event_log import EventLog
from softphone.protocol import EngineCrashed, IncomingCall, TransferProgressed
from tests.sip_support import loopback_config, sipp, sipp_result, state

KINDS = (
    "sipp_answer_rep_hangs_up",
    "sipp_busy_486",
    "sipp_no_answer_cancel",
    "sipp_answer_far_end_hangs_up",
    "engine_answer_rep_hangs_up",
    "engine_answer_far_end_hangs_up",
    "engine_hold_resume",
    "engine_incoming_answered",
    "engine_blind_transfer",
)


# ---- process figures ----


def _status(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "Threads"):
                out[k] = int(v.split()[0])
    return out


def proc_figures(pid: int | None) -> dict:
    if pid is None or not os.path.exists(f"/proc/{pid}"):
        return {"pid": pid, "alive": False}
    st = _status(pid)
    with open(f"/proc/{pid}/maps") as f:
        shm = {line.split()[-1] for line in f if "/dev/shm/" in line}
    return {
        "pid": pid,
        "rss_kb": st["VmRSS"],
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": st["Threads"],
        "shm_mapped": len(shm),
    }


def snapshot(label: str, calls: int, a: EngineClient, restarts: int) -> dict:
    gc.collect()
    engine_pid = a.pid
    prefix = f"cc{engine_pid}_"
    return {
        "at": label,
        "calls": calls,
        "app": proc_figures(os.getpid()),
        "engine": proc_figures(engine_pid),
        "dev_shm_engine": sum(1 for n in os.listdir("/dev/shm") if n.startswith(prefix)),
        "engine_restarts": restarts,
    }


# ---- the peers ----


class Peer:
    """An engine client with an EventLog that is replaced after each call (bounded memory)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.client = EngineClient(loopback_config())
        self.log = EventLog()
        self.client.add_listener(self.log)
        self.crashes = 0
        self.client.add_listener(self._count_crash)
        self.client.start()

    def _count_crash(self, e) -> None:
        if isinstance(e, EngineCrashed):
            self.crashes += 1

    @property
    def uri(self) -> str:
        return f"sip:{self.name}@127.0.0.1:{self.client.info.sip_port}"

    def fresh_log(self) -> None:
        self.client.remove_listener(self.log)
        self.log = EventLog()
        self.client.add_listener(self.log)

    def incoming(self, timeout: float = 5) -> IncomingCall:
        return self.log.wait_for(lambda e: isinstance(e, IncomingCall), timeout)

    def hang_up_everything(self) -> None:
        for e in self.log.of(IncomingCall):
            with contextlib.suppress(EngineError):
                self.client.hangup(e.call_id)


class TapDrain:
    """Reads both taps of the rep's engine every 100 ms, like the ASR workers do."""

    def __init__(self) -> None:
        self.readers: list = []
        self.samples = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="tap-drain", daemon=True)
        self.thread.start()

    def attach(self, client: EngineClient) -> None:
        with self.lock:
            for r in self.readers:
                r.close()
            self.readers = [client.open_tap("rep"), client.open_tap("prospect")]

    def _run(self) -> None:
        while not self.stop.wait(0.1):
            with self.lock:
                for r in self.readers:
                    with contextlib.suppress(Exception):
                        self.samples += len(r.read())

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        with self.lock:
            for r in self.readers:
                r.close()
            self.readers = []


# ---- one call of each kind ----


def _wait_end(log: EventLog, call_id: str, timeout: float = 8):
    return log.wait_for(state(call_id, "disconnected"), timeout)


def _must_last(log: EventLog, call_id: str, hold: float) -> None:
    time.sleep(hold)
    early = [e for e in log.events if state(call_id, "disconnected")(e)]
    if early:
        raise AssertionError(f"ended early: {early[0].sentence}")


def _check(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)


def one_call(kind: str, a: Peer, b: Peer, c: Peer, hold: float) -> None:
    ac, alog = a.client, a.log
    if kind.startswith("sipp"):
        if kind == "sipp_busy_486":
            ctx = sipp(scenario="uas_reject.xml", subst={"code": 486, "reason": "Busy Here"})
        elif kind == "sipp_no_answer_cancel":
            ctx = sipp(scenario="sessions_noanswer.xml")
        elif kind == "sipp_answer_far_end_hangs_up":
            ctx = sipp("-rtp_echo", scenario="soak_answer_send_bye.xml",
                       subst={"hold_ms": int(hold * 1000)})  # fmt: skip
        else:
            ctx = sipp("-rtp_echo", scenario="soak_answer_wait_bye.xml")
        with ctx as peer:
            cid = ac.make_call(f"sip:svc@127.0.0.1:{peer['port']}")
            if kind == "sipp_busy_486":
                end = _wait_end(alog, cid)
                _check(end.status_code == 486, f"expected 486, got {end.status_code}")
            elif kind == "sipp_no_answer_cancel":
                alog.wait_for(state(cid, "ringing", "early"), 5)
                time.sleep(0.3)
                ac.hangup(cid)
                _wait_end(alog, cid)
            elif kind == "sipp_answer_far_end_hangs_up":
                alog.wait_for(state(cid, "connected"), 5)
                end = _wait_end(alog, cid, hold + 5)
                _check(end.sentence == "The other side hung up.", end.sentence)
            else:
                alog.wait_for(state(cid, "connected"), 5)
                _must_last(alog, cid, hold)
                ac.hangup(cid)
                _wait_end(alog, cid)
            rc, err = sipp_result(peer, timeout=10)
            _check(rc == 0, f"sipp exit {rc}: {err.strip()[-300:]}")
        return

    if kind == "engine_incoming_answered":
        bid = b.client.make_call(f"sip:rep@127.0.0.1:{ac.info.sip_port}")
        inc = a.incoming()
        ac.answer(inc.call_id)
        alog.wait_for(state(inc.call_id, "connected"), 5)
        _must_last(alog, inc.call_id, hold)
        b.client.hangup(bid)
        end = _wait_end(alog, inc.call_id)
        _check(end.sentence == "The other side hung up.", end.sentence)
        return

    cid = ac.make_call(b.uri)
    inc = b.incoming()
    b.client.answer(inc.call_id)
    alog.wait_for(state(cid, "connected"), 5)
    if kind == "engine_hold_resume":
        ac.hold(cid)
        alog.wait_for(state(cid, "held"), 5)
        time.sleep(hold / 2)
        ac.resume(cid)
        alog.wait_for(
            lambda e: state(cid, "connected")(e) and e.sentence == "The call is back from hold.", 5
        )
        _must_last(alog, cid, hold / 2)
        ac.hangup(cid)
        _wait_end(alog, cid)
    elif kind == "engine_blind_transfer":
        _must_last(alog, cid, hold / 2)
        ac.transfer(cid, c.uri)
        cinc = c.incoming()
        c.client.answer(cinc.call_id)
        final = alog.wait_for(lambda e: isinstance(e, TransferProgressed) and e.final, 5)
        _check(final.status_code == 200, f"transfer ended {final.status_code}")
        end = _wait_end(alog, cid)
        _check(end.sentence == "The call was transferred.", end.sentence)
        c.log.wait_for(state(cinc.call_id, "connected"), 5)
        c.client.hangup(cinc.call_id)
        c.log.wait_for(state(cinc.call_id, "disconnected"), 5)
    elif kind == "engine_answer_far_end_hangs_up":
        _must_last(alog, cid, hold)
        b.client.hangup(inc.call_id)
        end = _wait_end(alog, cid)
        _check(end.sentence == "The other side hung up.", end.sentence)
    else:
        _must_last(alog, cid, hold)
        ac.hangup(cid)
        end = _wait_end(alog, cid)
        _check(end.sentence == "You hung up.", end.sentence)
    b.log.wait_for(state(inc.call_id, "disconnected"), 5)


# ---- the run ----


def run_soak(calls: int = 200, hold: float = 1.0, every: int | None = None, progress=None) -> dict:
    every = every or min(50, max(1, calls // 4))
    a, b, c = Peer("rep"), Peer("desk"), Peer("other")
    drain = TapDrain()
    drain.attach(a.client)
    restarts = peer_restarts = 0
    failures: list[dict] = []
    snaps = [snapshot("start", 0, a.client, restarts)]
    baseline = None
    t0 = time.monotonic()
    try:
        for n in range(1, calls + 1):
            kind = KINDS[(n - 1) % len(KINDS)]
            try:
                one_call(kind, a, b, c, hold)
            except Exception as e:  # noqa: BLE001 - a soak records failures and goes on
                failures.append({"call": n, "kind": kind, "error": f"{type(e).__name__}: {e}"})
                for p in (a, b, c):
                    p.hang_up_everything()
                time.sleep(1)
            if a.crashes or not a.client.running:
                restarts += 1
                a.crashes = 0
                a.client.stop()
                a.client.start()
                drain.attach(a.client)
            for p in (b, c):  # a peer engine that died (it did, after a transfer) comes back
                if p.crashes or not p.client.running:
                    peer_restarts += 1
                    p.crashes = 0
                    p.client.stop()
                    p.client.start()
            for p in (a, b, c):
                p.fresh_log()
            if progress:
                progress(n, kind, failures)
            if n == len(KINDS):
                baseline = snapshot("after warm-up", n, a.client, restarts)
                snaps.append(baseline)
            if n % every == 0 or n == calls:
                snaps.append(snapshot(f"after {n} calls", n, a.client, restarts))
    finally:
        drain.close()
        for p in (a, b, c):
            p.client.stop()
    end = snaps[-1]
    base = baseline or snaps[0]
    growth = {}
    for side in ("app", "engine"):
        for k in ("rss_kb", "fds", "threads", "shm_mapped"):
            if k in end[side] and k in base[side]:
                growth[f"{side}_{k}"] = end[side][k] - base[side][k]
        if "rss_kb" in base[side] and "rss_kb" in end[side]:
            growth[f"{side}_rss_pct"] = round(
                100.0 * (end[side]["rss_kb"] - base[side]["rss_kb"]) / base[side]["rss_kb"], 1
            )
    growth["dev_shm_engine"] = end["dev_shm_engine"] - base["dev_shm_engine"]
    goal = (
        not failures
        and restarts == 0
        and peer_restarts == 0
        and all(growth[f"{s}_{k}"] <= 0 for s in ("app", "engine") for k in ("fds", "threads", "shm_mapped"))
        and growth["dev_shm_engine"] <= 0
        and growth["app_rss_pct"] <= 10
        and growth["engine_rss_pct"] <= 10
    )  # fmt: skip
    return {
        "calls_done": calls,
        "failures": len(failures),
        "failure_list": failures,
        "engine_restarts": restarts,
        "peer_engine_restarts": peer_restarts,
        "kinds": list(KINDS),
        "hold_s": hold,
        "seconds": round(time.monotonic() - t0, 1),
        "tap_samples_read": drain.samples,
        "snapshots": snaps,
        "growth_since_warm_up": growth,
        "goal_met": bool(goal),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--hold", type=float, default=1.0, help="seconds each answered call lasts")
    ap.add_argument("--every", type=int, default=None, help="snapshot every N calls")
    args = ap.parse_args()

    def progress(n, kind, failures):
        print(f"{n:4d} {kind:32s} failures={len(failures)}", file=sys.stderr, flush=True)

    print(json.dumps(run_soak(args.calls, args.hold, args.every, progress), indent=1))


if __name__ == "__main__":
    main()
