"""A keyring backend for the SIP tests: secrets come from the CALLCOACH_TEST_SECRETS env var
(JSON {"service/user": password}), so the engine process sees what the test stored, and
nothing is written to disk. Selected with PYTHON_KEYRING_BACKEND=tests.sip_keyring.EnvKeyring.
"""

from __future__ import annotations

import json
import os

from keyring.backend import KeyringBackend


class EnvKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        secrets = json.loads(os.environ.get("CALLCOACH_TEST_SECRETS", "{}"))
        return secrets.get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        secrets = json.loads(os.environ.get("CALLCOACH_TEST_SECRETS", "{}"))
        secrets[f"{service}/{username}"] = password
        os.environ["CALLCOACH_TEST_SECRETS"] = json.dumps(secrets)

    def delete_password(self, service: str, username: str) -> None:
        secrets = json.loads(os.environ.get("CALLCOACH_TEST_SECRETS", "{}"))
        secrets.pop(f"{service}/{username}", None)
        os.environ["CALLCOACH_TEST_SECRETS"] = json.dumps(secrets)
