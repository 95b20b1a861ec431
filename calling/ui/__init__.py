"""The calling domain's Qt widgets (the call-list import dialog, the dialer queue's view, the
practice view); only the app shows them."""
