"""Softphone core: SIP (pjsua2) in an engine process, the real-time headset audio, devices,
call history and contacts. Never imports Qt outside softphone/ui/, never imports coach/."""
