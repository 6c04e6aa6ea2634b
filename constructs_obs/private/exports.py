"""One declarative map per public face: what it exports, and from which module.

Each area package (``constructs_obs.alarms``, ``constructs_obs.audit``, ...) and the top-level
package declare ``_EXPORTS = {module: (name, ...)}`` once; :func:`face` builds ``__all__`` and the
PEP 562 ``__getattr__``/``__dir__`` from it, so a name is imported from its module on first use
(``constructs_obs.detections`` and the ``constructs-obs-audit`` command never pay for importing
aws-cdk-lib and starting jsii). Type checkers read the ``if TYPE_CHECKING:`` block beside the map;
``tests/test_exports.py`` holds the two (and the top face against the areas) equal.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["face"]


def face(
    package: str, exports: Mapping[str, Sequence[str]], namespace: dict[str, Any]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``.

    ``exports`` maps a module to the names the face takes from it; a value is cached in the
    package's ``namespace`` once imported. A name exported twice is a mistake in the map.
    """
    home: dict[str, str] = {}
    for module, names in exports.items():
        for name in names:
            if name in home:
                raise ValueError(f"{package}: {name!r} is exported from {home[name]} and {module}")
            home[name] = module

    def __getattr__(name: str) -> Any:  # noqa: N807 -- it is the module __getattr__
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 -- it is the module __dir__
        return sorted({*namespace, *home})

    return sorted(home), __getattr__, __dir__
