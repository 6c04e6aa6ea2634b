"""The ``audit`` extra (duckdb, sqlglot, tqdm, msgspec, pyarrow, isal), imported when a query
runs, never on import.

The local engine and its command line must start without these packages (listing the
queries needs none of them) and without aws-cdk-lib; a missing one is named, with the
command that installs it, only when a query needs it.
"""

from __future__ import annotations

import importlib

from constructs_obs.audit.errors import MissingAuditExtraError

__all__ = ["require"]


def require(module: str) -> None:
    """Import an optional dependency of the ``audit`` extra, or say how to install it.

    Raises
    ------
    MissingAuditExtraError
        If ``module`` cannot be imported.
    """
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingAuditExtraError(module) from None
