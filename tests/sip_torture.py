"""Hostile SIP for tests/test_sip_hostile.py: RFC 4475-style torture messages (written from the
RFC's descriptions, not copied), garbage, and well-formed out-of-dialog requests, plus a tiny
raw UDP/TCP sender that collects whatever the engine answers. Loopback only."""

from __future__ import annotations

import random
import re
import socket
import time
import uuid

CRLF = "\r\n"
SDP = (
    "v=0\r\no=torture 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


def request(
    method: str,
    target: str,
    transport: str,
    local: str,
    *,
    to_tag: bool = False,
    extra: list[str] | None = None,
    body: str = "",
    content_length: int | str | None = None,
    cseq_method: str | None = None,
    version: str = "SIP/2.0",
) -> bytes:
    """A well-formed request (unless the arguments say otherwise) from `local` (host:port)."""
    branch = "z9hG4bK" + uuid.uuid4().hex[:16]
    to = f"<{target}>" + (f";tag={uuid.uuid4().hex[:8]}" if to_tag else "")
    lines = [
        f"{method} {target} {version}",
        f"Via: SIP/2.0/{transport.upper()} {local};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:torture@{local}>;tag={uuid.uuid4().hex[:8]}",
        f"To: {to}",
        f"Call-ID: {uuid.uuid4().hex}@torture",
        f"CSeq: {random.randint(1, 9999)} {cseq_method or method}",
        f"Contact: <sip:torture@{local};transport={transport}>",
        *(extra or []),
    ]
    if body:
        lines.append(
            "Content-Type: application/sdp"
            if body.startswith("v=0")
            else "Content-Type: text/plain"
        )
    cl = len(body.encode()) if content_length is None else content_length
    lines.append(f"Content-Length: {cl}")
    return (CRLF.join(lines) + CRLF + CRLF + body).encode("utf-8", "surrogateescape")


def torture(target: str, transport: str, local: str) -> list[tuple[str, bytes]]:
    """About fifty hostile messages, each (name, bytes). target is the engine's SIP URI."""
    host = re.sub(r"^sips?:(?:[^@]*@)?", "", target).split(";")[0]
    t, lo = transport, local
    rnd = random.Random(4475)
    m: list[tuple[str, bytes]] = []

    def add(name: str, data: bytes | str) -> None:
        m.append(
            (name, data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape"))
        )

    def raw(*lines: str, body: str = "") -> str:
        return CRLF.join(lines) + CRLF + CRLF + body

    via = f"Via: SIP/2.0/{t.upper()} {lo};branch=z9hG4bK{uuid.uuid4().hex[:12]}"
    hdrs = [
        "Max-Forwards: 70",
        f"From: <sip:t@{lo}>;tag=98asjd8",
        f"To: <sip:rep@{host}>",
        "CSeq: 8 OPTIONS",
    ]

    def cid() -> str:
        return f"Call-ID: {uuid.uuid4().hex}@torture"

    # 3.1.1 valid but unusual
    add(
        "wsinv: tortuous whitespace, folding, case",
        raw(
            f"INVITE sip:vivekg@{host};unknownparam SIP/2.0",
            f"TO :\r\n sip:vivekg@{host} ;   tag    = 1918181833n",
            f'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@{lo}>\r\n  ;\r\n  tag = 98asjd8',
            "MaX-fOrWaRdS: 0068",
            f"Call-ID: wsinv.ndaksdj@{lo}",
            "Content-Length   : 150",
            "cseq: 0009\r\n  INVITE",
            f"Via  : SIP  /   2.0\r\n /{t.upper()}\r\n    {lo};branch=390skdjuw",
            "s :",
            "NewFangledHeader:   newfangled value\r\n continued newfangled value",
            "UnknownHeaderWithUnusualValue: ;;,,;;,;",
            "Content-Type: application/sdp",
            f"Route:\r\n <sip:services.{host};lr;unknownwith=value;unknown-no-value>",
            f"v:  SIP  / 2.0  / {t.upper()}  {lo} ;\r\n  branch  =   9ikj8  ,\r\n SIP  /    2.0   / UDP  192.168.255.111   ; hidden",
            f'm:"Quoted string \\"\\"" <sip:jdrosen@{lo}> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33',
            body=SDP.ljust(150)[:150],
        ),
    )
    add(
        "intmeth: unusual token characters in method",
        raw(
            f"!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@{host} SIP/2.0",
            via,
            f'To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@{host}>',
            f"From: token1~` token2'+_ token3*%!.- <sip:mundane@{lo}>;fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
            cid(),
            "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~",
            "Max-Forwards: 255",
            "extensionHeader-!.%*+_`'~:\ufeff大停電",
            "Content-Length: 0",
        ),
    )
    add(
        "esc01: escaped characters in the user part",
        raw(
            f"INVITE sip:sips%3Auser%40example.com@{host} SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    add(
        "escnull: %00 in the user part",
        raw(
            f"REGISTER sip:{host} SIP/2.0",
            via,
            f"To: sip:null-%00-null@{host}",
            f"From: sip:null-%00-null@{host};tag=839923423",
            cid(),
            "CSeq: 1 REGISTER",
            "Max-Forwards: 70",
            "Contact: <sip:%00@host5.example.net>",
            "Content-Length: 0",
        ),
    )
    add(
        "esc02: escaped method name in CSeq",
        raw(
            f"RE%47IST%45R sip:{host} SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 RE%47IST%45R",
            "Content-Length: 0",
        ),
    )
    add(
        "lwsdisp: no LWS before <",
        raw(
            f"OPTIONS sip:rep@{host} SIP/2.0",
            via,
            "Max-Forwards: 70",
            f"From: caller<sip:caller@{lo}>;tag=323",
            f"To: <sip:rep@{host}>",
            cid(),
            "CSeq: 3 OPTIONS",
            "Content-Length: 0",
        ),
    )
    long_token = "a" * 4000
    add(
        "longreq: very long values and many Vias",
        raw(
            f"INVITE sip:{'x' * 2000}@{host} SIP/2.0",
            *[
                f"Via: SIP/2.0/{t.upper()} 192.0.2.{i % 250};branch=z9hG4bK{i:04d}{'b' * 300}"
                for i in range(20)
            ],
            via,
            "Max-Forwards: 70",
            f'From: "{"L" * 2000}" <sip:{long_token}@{lo}>;tag={"t" * 1000}',
            f"To: <sip:rep@{host}>;unknownparam={'p' * 2000}",
            cid(),
            "CSeq: 1 INVITE",
            f"X-{'h' * 500}: {'v' * 8000}",
            "Content-Length: 0",
        ),
    )
    add(
        "dblreq: two requests back to back",
        request("OPTIONS", target, t, lo) + request("INFO", target, t, lo),
    )
    add(
        "semiuri: semicolons in the userinfo",
        raw(
            f"OPTIONS sip:user;par=u%40example.net@{host} SIP/2.0",
            via,
            *hdrs,
            cid(),
            "Content-Length: 0",
        ),
    )
    add(
        "transports: unknown transports in Via",
        raw(
            f"OPTIONS sip:rep@{host} SIP/2.0",
            via,
            "Via: SIP/2.0/SCTP s1.example.net;branch=z9hG4bKkdjuw",
            "Via: SIP/2.0/NEWTRANSPORT s2.example.net;branch=z9hG4bKkdjuw2",
            *hdrs,
            cid(),
            "Content-Length: 0",
        ),
    )
    mp = (
        "--boundary42\r\nContent-Type: text/plain\r\n\r\nhello\r\n--boundary42\r\nContent-Type: application/sdp\r\n\r\n"
        + SDP
        + "--boundary42--\r\n"
    )
    add(
        "mpart01: multipart body",
        raw(
            f"MESSAGE sip:rep@{host} SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 MESSAGE",
            "Content-Type: multipart/mixed;boundary=boundary42",
            f"Content-Length: {len(mp)}",
            body=mp,
        ),
    )
    add(
        "unreason: a response nobody asked for, odd reason",
        raw(
            "SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое",
            via,
            *hdrs[1:3],
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    add(
        "noreason: response without reason phrase",
        raw("SIP/2.0 100 ", via, *hdrs[1:3], cid(), "CSeq: 1 INVITE", "Content-Length: 0"),
    )
    # 3.1.2 invalid
    add(
        "badinv01: unmatched < and bad header syntax",
        raw(
            f"INVITE sip:rep@{host} SIP/2.0",
            via,
            "Max-Forwards: 70",
            f"To: <sip:rep@{host}",
            f"From: sip:caller@{lo};tag=3413415",
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    add(
        "clerr: Content-Length larger than the body",
        request("INVITE", target, t, lo, body=SDP, content_length=9999),
    )
    add(
        "clsmall: Content-Length smaller than the body",
        request("INFO", target, t, lo, body="x" * 100, content_length=5),
    )
    add("clneg: negative Content-Length", request("OPTIONS", target, t, lo, content_length=-999))
    add(
        "clgarbage: Content-Length not a number",
        request("OPTIONS", target, t, lo, content_length="abc"),
    )
    add(
        "scalar02: overflowing numbers",
        raw(
            f"REGISTER sip:{host} SIP/2.0",
            via,
            "Max-Forwards: 300",
            f"From: <sip:a@{lo}>;tag=1",
            f"To: <sip:a@{host}>",
            cid(),
            "CSeq: 36893488147419103232 REGISTER",
            "Expires: 10000000000000000000",
            "Contact: <sip:a@127.0.0.1>;expires=280297596632815",
            "Content-Length: 0",
        ),
    )
    add(
        "quotbal: unterminated quoted display name",
        raw(
            f"INVITE sip:rep@{host} SIP/2.0",
            via,
            "Max-Forwards: 70",
            f'To: "Mr. J. User <sip:j@{host}>',
            f"From: sip:c@{lo};tag=93334",
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    add(
        "ltgtruri: <> around the Request-URI",
        raw(
            f"INVITE <sip:rep@{host}> SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    add(
        "lwsruri: LWS inside the Request-URI",
        raw(
            f"INVITE sip:user@{host}; lr SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    add(
        "lwsstart: many spaces in the request line",
        raw(
            f"INVITE  sip:rep@{host}   SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    add(
        "trws: trailing whitespace after the version",
        raw(f"OPTIONS sip:rep@{host} SIP/2.0  ", via, *hdrs, cid(), "Content-Length: 0"),
    )
    add(
        "escruri: escaped headers in the Request-URI",
        raw(
            f"INVITE sip:rep@{host}?Route=%3Csip:example.com%3E SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    add(
        "baddate: a Date header that is not a date",
        request("OPTIONS", target, t, lo, extra=["Date: Fri, 01 Jan 2010 16:00:00 EST"]),
    )
    add(
        "regbadct: REGISTER with an unescaped Contact URI",
        raw(
            f"REGISTER sip:{host} SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 REGISTER",
            "Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "Content-Length: 0",
        ),
    )
    add(
        "badaspec: unquoted special characters in addr-spec",
        raw(
            f"OPTIONS sip:rep@{host} SIP/2.0",
            via,
            "Max-Forwards: 70",
            f"From: sip:c@{lo};tag=1",
            f'To: "Watson, Thomas" < sip:t.watson@{host} >',
            cid(),
            "CSeq: 1 OPTIONS",
            "Content-Length: 0",
        ),
    )
    add(
        "baddn: unquoted display name with separators",
        raw(
            f"OPTIONS sip:rep@{host} SIP/2.0",
            via,
            "Max-Forwards: 70",
            f"From: Bell, Alexander <sip:a.g.bell@{lo}>;tag=43",
            f"To: Watson, Thomas <sip:t.watson@{host}>",
            cid(),
            "CSeq: 1 OPTIONS",
            "Content-Length: 0",
        ),
    )
    add("badvers: SIP/7.0", request("OPTIONS", target, t, lo, version="SIP/7.0"))
    add(
        "mismatch01: CSeq method differs from the request",
        request("OPTIONS", target, t, lo, cseq_method="INVITE"),
    )
    add(
        "mismatch02: unknown method, CSeq differs",
        request("NEWMETHOD", target, t, lo, cseq_method="INVITE"),
    )
    add(
        "bigcode: response code out of range",
        raw(
            "SIP/2.0 4294967301 better not break the receiver",
            via,
            *hdrs[1:3],
            cid(),
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ),
    )
    for missing in ("Via", "From", "To", "Call-ID", "CSeq", "Max-Forwards"):
        full = request("OPTIONS", target, t, lo).decode()
        add(f"insuf: no {missing}", re.sub(rf"(?im)^{missing}:[^\r]*\r\n", "", full, count=1))
    add(
        "unkscm: unknown URI scheme",
        raw(
            "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0",
            via,
            *hdrs,
            cid(),
            "Content-Length: 0",
        ),
    )
    add(
        "novelsc: novel scheme in the Request-URI",
        raw(
            f"OPTIONS soap.beep://{host}:8080/some/path SIP/2.0",
            via,
            *hdrs,
            cid(),
            "Content-Length: 0",
        ),
    )
    add(
        "unksm2: unknown scheme in To",
        raw(
            f"REGISTER sip:{host} SIP/2.0",
            via,
            "Max-Forwards: 70",
            "To: isbn:2983792873",
            "From: <http://www.example.com>;tag=3234233",
            cid(),
            "CSeq: 2 REGISTER",
            "Content-Length: 0",
        ),
    )
    add(
        "bext01: Require an unknown extension",
        request(
            "OPTIONS",
            target,
            t,
            lo,
            extra=[
                "Require: nothingSupportsThis, nothingSupportsThisEither",
                "Proxy-Require: noProxiesSupportThis",
            ],
        ),
    )
    add(
        "invut: INVITE with an unknown body type",
        raw(
            f"INVITE sip:rep@{host} SIP/2.0",
            via,
            *hdrs[:3],
            cid(),
            "CSeq: 1 INVITE",
            "Content-Type: application/unknownformat",
            "Content-Length: 40",
            body='<audio> <pcmu port="443"/> </audio>     ',
        ),
    )
    add(
        "regaut01: REGISTER with an unknown auth scheme",
        request(
            "REGISTER",
            f"sip:{host}",
            t,
            lo,
            extra=["Authorization: NoOneKnowsThisScheme opaque-data=here"],
        ),
    )
    add(
        "multi01: several values in single-value headers",
        raw(
            f"INVITE sip:rep@{host} SIP/2.0",
            via,
            "Max-Forwards: 70",
            f"From: <sip:a@{lo}>;tag=1",
            f"From: <sip:b@{lo}>;tag=2",
            f"To: <sip:rep@{host}>",
            f"To: <sip:other@{host}>",
            cid(),
            cid(),
            "CSeq: 1 INVITE",
            "CSeq: 2 INVITE",
            "Content-Length: 0",
            "Content-Length: 10",
        ),
    )
    add(
        "zeromf: Max-Forwards 0",
        raw(
            f"OPTIONS sip:rep@{host} SIP/2.0",
            via,
            "Max-Forwards: 0",
            *hdrs[1:],
            cid(),
            "Content-Length: 0",
        ),
    )
    add(
        "cparam: contact with odd parameters",
        request(
            "OPTIONS",
            target,
            t,
            lo,
            extra=[f'Contact: <sip:u@{lo}>;expires=;q="0.5";+sip.instance="<urn:uuid:x>"'],
        ),
    )
    add(
        "inv2543: an RFC 2543 style INVITE",
        raw(
            f"INVITE sip:rep@{host} SIP/2.0",
            f"Via: SIP/2.0/{t.upper()} {lo}",
            f"From: <sip:c@{lo}>",
            f"To: <sip:rep@{host}>",
            "Call-ID: inv2543@torture",
            "CSeq: 1 INVITE",
            "Content-Type: application/sdp",
            f"Content-Length: {len(SDP)}",
            body=SDP,
        ),
    )
    add(
        "non-ascii: UTF-8 everywhere",
        request(
            "OPTIONS",
            target,
            t,
            lo,
            extra=["Subject: Привет, 世界 🎧", "X-Ünïcödé: ✓"],
            body="тело сообщения",
        ),
    )
    add(
        "latin1: bytes that are not UTF-8",
        request("INFO", target, t, lo, body="x").replace(
            b"Max-Forwards: 70", b"Max-Forwards: 70\r\nX-Latin1: caf\xe9 \xff\xfe"
        ),
    )
    full = request("INVITE", target, t, lo, body=SDP)
    add("truncated: cut inside a header", full[: len(full) // 3])
    add("truncated: cut inside the request line", full[:12])
    add("truncated: headers without the blank line", full.split(b"\r\n\r\n")[0])
    add("empty: CRLF keep-alive", b"\r\n\r\n")
    add("empty: many blank lines", b"\r\n" * 500)
    add("empty: a lone NUL", b"\x00")
    add("binary: random bytes", bytes(rnd.randrange(256) for _ in range(1400)))
    add(
        "binary: random bytes after a request line",
        f"INVITE sip:rep@{host} SIP/2.0\r\n".encode()
        + bytes(rnd.randrange(256) for _ in range(1000)),
    )
    big = "X-Padding: " + "y" * 998 + "\r\n"
    over = request("INVITE", target, t, lo, body=SDP).replace(
        b"Max-Forwards: 70\r\n", b"Max-Forwards: 70\r\n" + (big * 63).encode()
    )
    add("oversized: a ~64 KB INVITE", over[:65000])
    return m


# out-of-dialog requests and what RFC 3261 (and the method's RFC) expect from a UA that does
# not support them: 481 for a request that only makes sense inside a dialog, 405 for a method
# the UA knows but does not offer, 501 for one it does not know, 200 for OPTIONS
OUT_OF_DIALOG = {
    "REGISTER": (405,),
    "INFO": (481,),
    "NOTIFY": (481,),
    "BYE": (481,),
    "PRACK": (481,),
    "UPDATE": (481,),
    "REFER": (405, 481),
    "PUBLISH": (405,),
    "OPTIONS": (200,),
    "FROBNICATE": (501, 405),
}


def status_codes(data: bytes) -> list[int]:
    return [int(c) for c in re.findall(rb"^SIP/2\.0 (\d{3}) ", data, re.MULTILINE)]


class RawPeer:
    """A raw SIP sender on 127.0.0.1 over UDP or TCP; collects every byte the engine answers."""

    def __init__(self, transport: str, engine_port: int) -> None:
        self.transport = transport
        self.dest = ("127.0.0.1", engine_port)
        self.sock: socket.socket | None = None
        self.local = ""
        self._open()

    def _open(self) -> None:
        if self.sock:
            self.sock.close()
        if self.transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
        else:
            self.sock = socket.create_connection(self.dest, timeout=3)
        self.local = f"127.0.0.1:{self.sock.getsockname()[1]}"

    def send(self, data: bytes, wait: float = 0.3, fresh: bool = False) -> bytes:
        """Send data; returns what came back within `wait` seconds. A TCP peer that the engine
        closed (garbage may close the connection) reconnects for the next message."""
        if fresh and self.transport == "tcp":
            self._open()
        try:
            if self.transport == "udp":
                self.sock.sendto(data, self.dest)
            else:
                self.sock.sendall(data)
        except OSError:
            self._open()
            return b""
        return self.drain(wait)

    def drain(self, wait: float) -> bytes:
        got = b""
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65535)
            except TimeoutError:
                break
            except OSError:
                self._open()
                break
            if not chunk:  # TCP closed by the engine
                self._open()
                break
            got += chunk
        return got

    def close(self) -> None:
        if self.sock:
            self.sock.close()
