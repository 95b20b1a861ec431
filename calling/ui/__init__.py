"""The calling domain's Qt widgets (the call-list import dialog); only the app shows them."""
