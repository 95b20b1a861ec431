"""The one error type of the models package: a problem a user fixes by running a command."""

from __future__ import annotations


class ModelError(Exception):
    """A speech model is missing, corrupt or could not be installed.

    Its text is one sentence for the user that says what to run; callers print it as is
    (the CLI exits 2, the app shows it and keeps calls working without a coach).
    """
