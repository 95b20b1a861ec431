"""The error types of the models package: a problem a user fixes by running a command."""

from __future__ import annotations


class ModelError(Exception):
    """A speech model is missing, corrupt or could not be installed.

    Its text is one sentence for the user that says what to run; callers print it as is
    (the CLI exits 2, the app shows it and keeps calls working without a coach).
    """


class EncoderMissing(ModelError):
    """No usable sentence encoder: the coach runs on its phrase rules alone.

    Its text is one sentence that says so, why, and what to run, made by `rules_only`; the app
    shows it as is and keeps coaching with the rules.
    """


def rules_only(reason: str) -> EncoderMissing:
    """EncoderMissing whose one sentence is "The coach runs on its phrase rules alone because
    <reason>", `reason` being a one-sentence ModelError text that ends with what to run."""
    reason = reason.strip()
    return EncoderMissing(
        "The coach runs on its phrase rules alone because " + reason[:1].lower() + reason[1:]
    )
