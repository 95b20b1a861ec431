"""Softphone core: SIP (pjsua2) in an engine process, the real-time headset audio, devices,
accounts and the one phone-number module. The call history (calls, contacts) is calling/'s.
Never imports Qt outside softphone/ui/, never imports coach/ or calling/."""
