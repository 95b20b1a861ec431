"""The calling-session domain: one call as one headless `CallSession` (calling.session), the
live pipeline it runs while the call is up (calling.live: audio taps → two transcribers →
LiveCoach), the rows it writes through the StoreWriter (calling.records) and the typed events
it publishes (calling.events).

calling/ may import softphone/ and coach/ (it is where the two meet during a call); it never
imports Qt or the app layer. The window, the dialer queue's hand-over, practice and the command
line all drive the same `CallSession`; the Qt controller only shows it.
"""
