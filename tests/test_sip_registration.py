"""Accounts against a real kamailio registrar with digest auth: registration, a wrong
password (clear failure, no retry storm), and the registrar killed and restarted (the
account notices, backs off and registers again). Passwords come from keyring (a test
backend reading an env var, so the engine process sees them and nothing touches disk)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from softphone.accounts import AccountConfig
from softphone.protocol import IncomingCall, RegistrationChanged
from tests.needs import needs, tool_path
from tests.sip_support import BUILT, FIXTURES, engine, free_port, state

KAMAILIO = tool_path("kamailio")
pytestmark = [
    pytest.mark.sip,
    needs("kamailio"),
]
USER, USER2, PASSWORD = "alice", "1002", "s3cret-Pa55"


class Registrar:
    """kamailio on 127.0.0.1:port (or [::1]:port: host="::1"), UDP and TCP, with two users;
    start/kill/start again."""

    def __init__(self, workdir, host: str = "127.0.0.1", record_route: bool = False) -> None:
        self.port = free_port()
        self.dir = workdir
        self.host = host
        cfg = (FIXTURES / "kamailio" / "kamailio.cfg").read_text()
        if ":" in host:
            cfg = cfg.replace(":127.0.0.1:", f":[{host}]:")  # the listen lines
        if record_route:  # in-dialog requests through the proxy (and its TCP connections)
            cfg = cfg.replace('loadmodule "tm.so"', 'loadmodule "tm.so"\nloadmodule "rr.so"')
            cfg = cfg.replace(
                '    if (!lookup("location")) {',
                '    record_route();\n    if (!lookup("location")) {',
            )
            cfg = cfg.replace(
                "        t_relay();  # in-dialog",
                "        loose_route();\n        t_relay();  # in-dialog",
            )
        for k, v in {"PORT": self.port, "USER": USER, "USER2": USER2, "PASSWORD": PASSWORD}.items():
            cfg = cfg.replace(f"@{k}@", str(v))
        self.cfg = workdir / "kamailio.cfg"
        self.cfg.write_text(cfg)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                KAMAILIO,
                "-f",
                str(self.cfg),
                "-DD",
                "-E",
                "-Y",
                str(self.dir),
                "-m",
                "32",
                "-M",
                "8",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        import socket

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        while time.monotonic() < deadline:  # ready once its TCP listener accepts
            with socket.socket(family) as s:
                if s.connect_ex((self.host, self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("kamailio did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # kamailio forks workers: kill them all
            self.proc.wait()


@pytest.fixture
def registrar(tmp_path):
    reg = Registrar(tmp_path)
    reg.start()
    yield reg
    reg.kill()


@pytest.fixture(autouse=True)
def test_keyring(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sip_keyring.EnvKeyring")
    secrets = {
        f"callcoach/{USER}@127.0.0.1": PASSWORD,
        f"callcoach/{USER}@localhost": "wrong",
        f"callcoach/{USER}@pbx.invalid": PASSWORD,
        f"callcoach/{USER2}@127.0.0.1": PASSWORD,
        f"callcoach/{USER}@::1": PASSWORD,
        f"callcoach/{USER2}@::1": PASSWORD,
    }
    monkeypatch.setenv("CALLCOACH_TEST_SECRETS", json.dumps(secrets))


def _reg(account_id: str):
    return lambda e: isinstance(e, RegistrationChanged) and e.account_id == account_id


def test_registers_with_digest_auth_and_reports_a_wrong_password(registrar) -> None:
    with engine() as (client, log):
        client.add_account(
            AccountConfig(id="work", registrar=f"127.0.0.1:{registrar.port}", user=USER)
        )
        ok = log.wait_for(_reg("work"), 5)
        assert ok.registered and ok.status_code == 200
        # same user, a domain whose keyring entry holds the wrong password
        client.add_account(
            AccountConfig(
                id="typo", registrar=f"127.0.0.1:{registrar.port}", domain="localhost", user=USER
            )
        )
        bad = log.wait_for(_reg("typo"), 5)
        assert not bad.registered and bad.status_code == 401
        assert bad.sentence == "The phone system refused the user name or password."
        assert bad.retry_in_s is None  # a wrong password is not hammered at the server
        time.sleep(1.5)
        assert len([e for e in log.of(RegistrationChanged) if e.account_id == "typo"]) == 1
        assert client.stats()["accounts"] == {"work": True, "typo": False}


def test_reregisters_after_the_registrar_is_killed_and_restarted(registrar) -> None:
    with engine(reg_backoff_max_s=3.0) as (client, log):
        client.add_account(
            AccountConfig(
                id="work", registrar=f"127.0.0.1:{registrar.port}", user=USER, transport="tcp"
            )
        )
        assert log.wait_for(_reg("work"), 5).registered
        registrar.kill()
        lost = log.wait_for(lambda e: _reg("work")(e) and not e.registered, 5)
        assert lost.retry_in_s is not None and "reconnecting" in lost.sentence
        time.sleep(2.5)  # a few refused retries while the registrar is down
        failures = [e for e in log.of(RegistrationChanged) if not e.registered]
        delays = [e.retry_in_s for e in failures]
        assert len(failures) >= 2 and delays[1] > delays[0]  # backing off
        registrar.start()

        def registered_again(_e) -> bool:  # events are dataclasses: compare by count
            return sum(1 for e in log.of(RegistrationChanged) if e.registered) >= 2

        try:
            log.wait_for(registered_again, 10)
        except TimeoutError:
            raise AssertionError(log.of(RegistrationChanged)) from None
        back = log.of(RegistrationChanged)[-1]
        assert back.status_code == 200


def test_registers_through_an_outbound_proxy(registrar) -> None:
    """The registrar's name does not resolve; only the outbound proxy route reaches it."""
    with engine() as (client, log):
        client.add_account(
            AccountConfig(
                id="via-proxy",
                registrar="pbx.invalid",
                user=USER,
                outbound_proxy=f"127.0.0.1:{registrar.port}",
            )
        )
        ok = log.wait_for(_reg("via-proxy"), 5)
        assert ok.registered, ok


def test_calls_through_the_registrar_by_extension_and_number(registrar) -> None:
    """alice dials extension 1002 through her account; the proxy finds 1002's registered
    engine, which sees alice's caller ID on its account. An unknown number gets a 404."""
    reg = f"127.0.0.1:{registrar.port}"
    with engine() as (a, alog), engine() as (b, blog):
        a.add_account(AccountConfig(id="alice", registrar=reg, user=USER, display_name="Alice"))
        b.add_account(AccountConfig(id="desk", registrar=reg, user=USER2))
        assert alog.wait_for(_reg("alice"), 5).registered
        assert blog.wait_for(_reg("desk"), 5).registered
        call_id = a.make_call("1002", account_id="alice")
        inc = blog.wait_for(lambda e: isinstance(e, IncomingCall), 5)
        assert inc.account_id == "desk" and inc.display_name == "Alice"
        assert inc.remote_uri.startswith(f"sip:{USER}@127.0.0.1")
        b.answer(inc.call_id)
        alog.wait_for(state(call_id, "connected"), 5)
        a.hangup(call_id)
        blog.wait_for(state(inc.call_id, "disconnected"), 5)

        missing = a.make_call("+1 415 555 0100", account_id="alice")
        end = alog.wait_for(state(missing, "disconnected"), 5)
        assert end.status_code == 404 and end.sentence == "That number or address does not exist."


@BUILT
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_dual_stack_engines_register_and_call_through_a_registrar_on_ipv6(
    tmp_path, transport
) -> None:
    """kamailio listens on [::1] only; two engines with no bind address (dual stack: IPv4 and
    IPv6 transports) register there (the account takes the IPv6 transport for an IPv6
    registrar) and alice calls extension 1002 through it: the domain is a bracketed literal
    in every URI, the call connects and the hang-up reaches the far end.

    Over TCP the proxy record-routes: an unbound engine's TCP Contact carries the ephemeral
    port of its connection to the registrar, so a BYE sent straight to it is refused (as with
    an unbound engine on IPv4; PBXs relay in-dialog requests over the registered flow)."""
    reg6 = Registrar(tmp_path, host="::1", record_route=transport == "tcp")
    reg6.start()
    try:
        reg = f"[::1]:{reg6.port}"
        with engine(bind_address="") as (a, alog), engine(bind_address="") as (b, blog):
            assert "udp6" in a.info.transports and "tcp6" in a.info.transports
            a.add_account(AccountConfig(id="alice", registrar=reg, user=USER, transport=transport))
            b.add_account(AccountConfig(id="desk", registrar=reg, user=USER2, transport=transport))
            for log, account in ((alog, "alice"), (blog, "desk")):
                ok = log.wait_for(_reg(account), 5)
                assert ok.registered and ok.status_code == 200, ok
            call_id = a.make_call("1002", account_id="alice")
            inc = blog.wait_for(lambda e: isinstance(e, IncomingCall), 5)
            assert inc.account_id == "desk" and inc.remote_uri.startswith(f"sip:{USER}@[::1]")
            b.answer(inc.call_id)
            alog.wait_for(state(call_id, "connected"), 5)
            a.hangup(call_id)
            blog.wait_for(state(inc.call_id, "disconnected"), 5)
    finally:
        reg6.kill()
