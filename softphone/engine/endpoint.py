"""pjsua2 Endpoint set-up for the engine: the endpoint configuration (one polling SIP
thread, 16 kHz bridge), transports (UDP/TCP on one port, TLS verifying the server by
default), codec priorities and the per-account media settings (RTP address, SRTP)."""

from __future__ import annotations

import pjsua2 as pj

from softphone.protocol import EngineConfig

_TRANSPORT_TYPES = {
    "udp": pj.PJSIP_TRANSPORT_UDP,
    "tcp": pj.PJSIP_TRANSPORT_TCP,
    "tls": pj.PJSIP_TRANSPORT_TLS,
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
        except Exception:  # never into SWIG
            self.sip.log.exception("onTransportState failed")


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


def create_transports(ep: pj.Endpoint, cfg: EngineConfig) -> dict[str, tuple[int, int]]:
    """Create the configured transports; returns name -> (transport id, bound port)."""
    transports: dict[str, tuple[int, int]] = {}
    port = cfg.sip_port
    for name in cfg.transports:
        tc = pj.TransportConfig()
        tc.boundAddress = cfg.bind_address
        if cfg.bind_address:
            tc.publicAddress = cfg.bind_address
        if name == "tls":
            tc.port = cfg.tls_port
            tc.tlsConfig.verifyServer = cfg.tls_verify_server
            if cfg.tls_ca_file:
                tc.tlsConfig.CaListFile = cfg.tls_ca_file
            if cfg.tls_cert_file:
                tc.tlsConfig.certFile = cfg.tls_cert_file
                tc.tlsConfig.privKeyFile = cfg.tls_key_file or ""
            tc.tlsConfig.method = pj.PJSIP_TLSV1_2_METHOD
        else:
            tc.port = port
        try:
            tid = ep.transportCreate(_TRANSPORT_TYPES[name], tc)
        except pj.Error:
            if name == "tls" or tc.port == 0:
                raise
            tc.port = 0  # the UDP port is taken for TCP: any port will do
            tid = ep.transportCreate(_TRANSPORT_TYPES[name], tc)
        bound = int(ep.transportGetInfo(tid).localName.rsplit(":", 1)[1])
        if name != "tls" and port == 0:
            port = bound
        transports[name] = (tid, bound)
    return transports


def set_codec_priorities(ep: pj.Endpoint, cfg: EngineConfig) -> None:
    """G.722 first, then the configured order; the rest low (or off with other_codecs=False)."""
    wanted = [c.lower() for c in cfg.codecs]
    for ci in ep.codecEnum2():
        cid = ci.codecId.lower()
        rank = next((i for i, w in enumerate(wanted) if cid.startswith(w)), None)
        if rank is not None:
            prio = 255 - rank
        else:
            prio = 100 if cfg.other_codecs else 0
        ep.codecSetPriority(ci.codecId, prio)


def apply_media_config(acfg: pj.AccountConfig, cfg: EngineConfig) -> None:
    """RTP bound to the engine's address, SRTP as configured (SDES also over plain UDP)."""
    mc = acfg.mediaConfig
    if cfg.bind_address:
        mc.transportConfig.boundAddress = cfg.bind_address
    mc.transportConfig.port = cfg.rtp_port
    if cfg.media_address:  # advertised in c=/m= in place of the bound address
        mc.transportConfig.publicAddress = cfg.media_address
    mc.srtpUse = _SRTP[cfg.srtp]
    mc.srtpSecureSignaling = 0  # SDES keys over plain UDP too, not only over TLS
