"""The Qt binding's import hook, without the memory it costs the window process.

PySide6 (shibokensupport.feature, PYSIDE-2029) looks at every Python module imported after
it to learn whether it uses PySide6: `inspect.getsource(module)`, searched for the word. That
leaves the source of every module (~380 files, 180 k lines) in `linecache`, which nothing
reads again: the window idled 18-20 MB higher with it (364 -> 346 MB, measured with the
encoder and the speech model loaded). `stop_source_caching` asks the same question by
reading the file's bytes, and drops what the hook has cached so far.
"""

from __future__ import annotations

import linecache
import sys
from types import ModuleType


def stop_source_caching() -> None:
    """Make PySide6's import hook read module files without caching them (call after the
    first PySide6 import; does nothing when the hook is not there or already replaced)."""
    feature = sys.modules.get("shibokensupport.feature")
    upstream = getattr(feature, "_mod_uses_pyside", None)
    if upstream is None or getattr(upstream, "reads_bytes", False):
        return

    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return upstream(module)  # built-in, extension or frozen: the hook's own answer
        try:
            with open(path, "rb") as f:
                return b"PySide6" in f.read()
        except OSError:
            return upstream(module)

    uses_pyside.reads_bytes = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside  # type: ignore[union-attr]
    linecache.clearcache()
