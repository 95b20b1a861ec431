"""pjsua2 Endpoint set-up for the engine: the endpoint configuration (one polling SIP
thread, 16 kHz bridge), transports (UDP/TCP on one port, TLS verifying the server by
default), codec priorities and the per-account media settings (RTP address, SRTP)."""

from __future__ import annotations

import ipaddress
import logging

import pjsua2 as pj

from softphone.protocol import EngineConfig, TlsConnectionEstablished

_TRANSPORT_TYPES = {
    "udp": pj.PJSIP_TRANSPORT_UDP,
    "tcp": pj.PJSIP_TRANSPORT_TCP,
    "tls": pj.PJSIP_TRANSPORT_TLS,
}
_TRANSPORT_TYPES6 = {
    "udp": pj.PJSIP_TRANSPORT_UDP6,
    "tcp": pj.PJSIP_TRANSPORT_TCP6,
    "tls": pj.PJSIP_TRANSPORT_TLS6,
}
_SRTP = {
    "disabled": pj.PJMEDIA_SRTP_DISABLED,
    "optional": pj.PJMEDIA_SRTP_OPTIONAL,
    "mandatory": pj.PJMEDIA_SRTP_MANDATORY,
}


class SipEndpoint(pj.Endpoint):
    """Endpoint that reports closed TCP/TLS connections (the registrar went away)."""

    def __init__(self, sip) -> None:  # the SipThread
        super().__init__()
        self.sip = sip

    def onTransportState(self, prm: pj.OnTransportStateParam) -> None:
        try:
            if prm.state == pj.PJSIP_TP_STATE_DISCONNECTED:
                self.sip.later(self.sip.transport_lost)
            elif prm.state == pj.PJSIP_TP_STATE_CONNECTED and prm.tlsInfo.established:
                event = tls_connection_event(prm.tlsInfo)
                self.sip.log.info(
                    "TLS connection with %s: %s, %s", event.remote, event.protocol, event.cipher
                )
                self.sip.emit(event)
        except Exception:  # never into SWIG
            self.sip.log.exception("onTransportState failed")


_TLS_PROTOCOLS = {  # pj_ssl_sock_proto bits -> the name OpenSSL uses, oldest first
    pj.PJ_SSL_SOCK_PROTO_TLS1: "TLSv1",
    pj.PJ_SSL_SOCK_PROTO_TLS1_1: "TLSv1.1",
    pj.PJ_SSL_SOCK_PROTO_TLS1_2: "TLSv1.2",
    pj.PJ_SSL_SOCK_PROTO_TLS1_3: "TLSv1.3",
}
_TLS13_SUITES = range(0x1301, 0x1306)  # TLS_AES_*, TLS_CHACHA20_*: only ever TLS 1.3


def tls_connection_event(info: pj.TlsInfo) -> TlsConnectionEstablished:
    """What pjsip reports about a finished TLS handshake, as the engine's event.

    pjsip's TlsInfo.protocol is the configured set of versions, not the negotiated one: the
    negotiated cipher suite tells. A TLS 1.3 suite means TLS 1.3; any other suite means the
    highest other version allowed (TLS 1.2 with this engine's settings)."""
    if info.cipher & 0xFFFFFF in _TLS13_SUITES:
        protocol = "TLSv1.3"
    else:
        older = [n for bit, n in _TLS_PROTOCOLS.items() if info.protocol & bit and n != "TLSv1.3"]
        protocol = older[-1] if older else f"unknown ({info.protocol})"
    return TlsConnectionEstablished(
        info.remoteAddr, protocol, info.cipherName, info.verifyStatus == 0
    )


def endpoint_config(cfg: EngineConfig) -> pj.EpConfig:
    """One SIP thread polling pjsua2, a 16 kHz conference bridge with 20 ms frames."""
    ec = pj.EpConfig()
    ec.uaConfig.threadCnt = 0
    ec.uaConfig.mainThreadOnly = True
    ec.uaConfig.userAgent = cfg.user_agent
    ec.uaConfig.maxCalls = 8
    ec.logConfig.level = cfg.log_level
    ec.logConfig.consoleLevel = cfg.log_level
    ec.medConfig.clockRate = 16000
    ec.medConfig.sndClockRate = 16000
    ec.medConfig.audioFramePtime = 20
    ec.medConfig.channelCount = 1
    ec.medConfig.ecTailLen = 0  # no echo canceller: the headset has none to cancel
    ec.medConfig.noVad = True
    # pjmedia's own loss simulation (0 in real use): the bad-network tests and benchmark
    ec.medConfig.rxDropPct = cfg.rx_drop_pct
    ec.medConfig.txDropPct = cfg.tx_drop_pct
    if cfg.jitter_min_ms >= 0:  # pjsua's adaptive buffer, with a floor (msec)
        ec.medConfig.jbMinPre = cfg.jitter_min_ms
        ec.medConfig.jbInit = cfg.jitter_min_ms
    return ec


def ip_version(address: str) -> int:
    """4 or 6 for an IP literal (brackets allowed), 0 for '' (all addresses) or a name."""
    try:
        return ipaddress.ip_address(address.strip("[]")).version
    except ValueError:
        return 0


def host_part(address: str) -> str:
    """The address as the host part of a SIP URI: IPv6 in brackets."""
    return f"[{address.strip('[]')}]" if ip_version(address) == 6 else address


def create_transports(
    ep: pj.Endpoint, cfg: EngineConfig, ipv6: bool = False, system_cas: bool = False
) -> dict[str, tuple[int, int]]:
    """Create the configured transports; returns name -> (transport id, bound port).

    An IPv6 bind address gets IPv6 transports under the same names. With no bind address
    and an IPv6-capable stack, IPv6 transports ("udp6", ...) are added on the same ports
    (dual stack; pjsip picks the one matching the destination); a failure there only logs."""
    transports: dict[str, tuple[int, int]] = {}
    port = cfg.sip_port
    types = _TRANSPORT_TYPES6 if ip_version(cfg.bind_address) == 6 else _TRANSPORT_TYPES
    for name in cfg.transports:
        tc = pj.TransportConfig()
        tc.boundAddress = cfg.bind_address
        if cfg.bind_address:
            tc.publicAddress = cfg.bind_address
        if name == "tls":
            tc.port = cfg.tls_port
            tc.tlsConfig = _tls_config(cfg, system_cas)
        else:
            tc.port = port
        try:
            tid = ep.transportCreate(types[name], tc)
        except pj.Error:
            if name == "tls" or tc.port == 0:
                raise
            tc.port = 0  # the UDP port is taken for TCP: any port will do
            tid = ep.transportCreate(types[name], tc)
        bound = int(ep.transportGetInfo(tid).localName.rsplit(":", 1)[1])
        if name != "tls" and port == 0:
            port = bound
        transports[name] = (tid, bound)
    if ipv6 and not cfg.bind_address:
        for name in cfg.transports:
            tc = pj.TransportConfig()
            tc.port = transports[name][1]
            if name == "tls":
                tc.tlsConfig = _tls_config(cfg, system_cas)
            try:
                tid = ep.transportCreate(_TRANSPORT_TYPES6[name], tc)
            except pj.Error as e:
                logging.getLogger("softphone.engine").info(
                    "no IPv6 %s transport on port %d: %s", name, tc.port, e.info()
                )
                continue
            transports[name + "6"] = (tid, tc.port)
    return transports


def _tls_config(cfg: EngineConfig, system_cas: bool = False) -> pj.TlsConfig:
    """TLS 1.2 or 1.3 (only 1.3 with tls_min_version "1.3"), the server verified by default.
    system_cas: with no CA file given, trust the system's CA bundle (the built stack; the PyPI
    wheel's OpenSSL 1.0.2 handles a failed verification differently with it loaded, so it
    keeps its own behaviour)."""
    tls = pj.TlsConfig()
    tls.verifyServer = cfg.tls_verify_server
    ca = cfg.tls_ca_file or (system_ca_file() if system_cas else "")
    if ca:
        tls.CaListFile = ca
    if cfg.tls_cert_file:
        tls.certFile = cfg.tls_cert_file
        tls.privKeyFile = cfg.tls_key_file or ""
    # pjsip takes `proto` (a bit set) over `method` whenever it is non-zero, and pjsua2's
    # default is TLS 1.0 | 1.1 | 1.2: without this, TLS 1.3 is never offered or accepted.
    # (OpenSSL 1.0.2 in the PyPI wheel ignores the 1.3 bit: TLS 1.2 there.)
    if cfg.tls_min_version == "1.3":
        tls.method = pj.PJSIP_TLSV1_3_METHOD
        tls.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_3
    else:
        tls.method = pj.PJSIP_TLSV1_2_METHOD
        tls.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2 | pj.PJ_SSL_SOCK_PROTO_TLS1_3
    return tls


def system_ca_file() -> str:
    """The system's CA bundle (pjsip loads no default CA paths itself), or ''."""
    import os
    import ssl

    paths = ssl.get_default_verify_paths()
    for f in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if f and os.path.isfile(f):
            return f
    return ""


def set_codec_priorities(ep: pj.Endpoint, cfg: EngineConfig) -> None:
    """The configured order first (Opus, G.722, G.711 by default; a codec the stack lacks is
    skipped); the rest low (or off with other_codecs=False). Opus is set up for speech at the
    bridge's rate: mono, 16 kHz internal sampling (the SDP still says opus/48000/2)."""
    try:
        oc = ep.getCodecOpusConfig()  # raises on a stack without Opus (the PyPI wheel)
        oc.sample_rate = 16000
        oc.channel_cnt = 1
        oc.bit_rate = 32000  # wideband speech close to the source (libopus' auto is ~half)
        ep.setCodecOpusConfig(oc)
    except (pj.Error, AttributeError):
        pass
    wanted = [c.lower() for c in cfg.codecs]
    for ci in ep.codecEnum2():
        cid = ci.codecId.lower()
        rank = next((i for i, w in enumerate(wanted) if cid.startswith(w)), None)
        if rank is not None:
            prio = 255 - rank
        else:
            prio = 100 if cfg.other_codecs else 0
        ep.codecSetPriority(ci.codecId, prio)


def apply_media_config(acfg: pj.AccountConfig, cfg: EngineConfig, ipv6: bool = False) -> None:
    """RTP bound to the engine's address, SRTP as configured (SDES also over plain UDP).

    IPv6 (stacks built with it): an IPv6 bind address uses IPv6 only, no bind address is
    dual stack (IPv4 preferred, an IPv6 offer answered on IPv6), an IPv4 one IPv4 only."""
    mc = acfg.mediaConfig
    if ipv6:
        version = ip_version(cfg.bind_address)
        use = {
            6: pj.PJSUA_IPV6_ENABLED_USE_IPV6_ONLY,
            4: pj.PJSUA_IPV6_DISABLED,
        }.get(version, pj.PJSUA_IPV6_ENABLED_PREFER_IPV4)
        mc.ipv6Use = use
        if hasattr(acfg.sipConfig, "ipv6Use"):  # pjsua2 2.13+
            acfg.sipConfig.ipv6Use = {
                6: pj.PJSUA_IPV6_ENABLED_USE_IPV6_ONLY,
                4: pj.PJSUA_IPV6_DISABLED,
            }.get(version, pj.PJSUA_IPV6_ENABLED_NO_PREFERENCE)
    if cfg.bind_address:
        mc.transportConfig.boundAddress = cfg.bind_address.strip("[]")
    mc.transportConfig.port = cfg.rtp_port
    if cfg.media_address:  # advertised in c=/m= in place of the bound address
        mc.transportConfig.publicAddress = cfg.media_address
    mc.srtpUse = _SRTP[cfg.srtp]
    # SDES puts the SRTP keys in the SDP: by default over plain UDP too (most phone systems
    # run SIP over UDP); srtp_keys_only_over_tls requires TLS on the first hop (pjsua's 1).
    mc.srtpSecureSignaling = 1 if cfg.srtp_keys_only_over_tls else 0
