"""The softphone engine process: one SIP thread owning pjsua2, fed by a command queue.

Run as `python -m softphone.engine --fd N` by `softphone.client.EngineClient`; nothing in
the app process imports pjsua2. Modules: `process` (entry point, pipe threads),
`sip_thread` (the command loop and shutdown order), `endpoint` (endpoint, transports,
codecs), `commands` (protocol commands -> pjsua2), `account`, `call`, `media` (bridge, taps,
recordings) and `media_port` (the AudioMediaPort on pjmedia's clock thread).
"""
