"""The calling-session domain: one call as one headless `CallSession` (calling.session), the
live pipeline it runs while the call is up (calling.live: audio taps → two transcribers →
LiveCoach), the rows it writes through the StoreWriter (calling.records) and the typed events
it publishes (calling.events); and the calling-session domain around calls: call lists
(calling.calllists, their columns and tables), the dialer queue (calling.dialer_queue, its
reads and writes in calling.queue_store), voicemail drop (calling.voicemail), openers
(calling.openers, phrasing in resources/calling/), calling hours (calling.calling_hours), the
practice partner (calling.practice) and their Qt widgets (calling/ui/: the list-import dialog,
the queue view and the practice view, the only Qt here).

calling/ may import softphone/ and coach/ (it is where the two meet during a call); it never
imports the app layer, nor Qt outside calling/ui/. The window, the dialer queue's hand-over,
practice and the command line all drive the same `CallSession`; the Qt controller only shows
it.
"""
