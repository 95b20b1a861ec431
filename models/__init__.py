"""Speech models: the catalog of known Vosk models and the installed ones (list/install/verify)."""
