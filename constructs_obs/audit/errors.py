"""Errors raised by the audit queries and the local engine that runs them.

Every one is a :class:`~constructs_obs.errors.ConstructsObsError`, so ``except
ConstructsObsError`` catches everything this library raises on purpose. Messages name what
was being read (the folder, the query, the parameter, the ``.sql`` file) and what is allowed
instead, in one line the CLI can print as is.
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs_obs.errors import ConstructsObsError, InvalidParameterError

__all__ = [
    "AuditError",
    "HiveTypeError",
    "LogFolderError",
    "MissingAuditExtraError",
    "QueryDefinitionError",
    "QueryExecutionError",
    "QueryParameterError",
    "UnknownQueryError",
]


class AuditError(ConstructsObsError):
    """Base class of the errors of :mod:`constructs_obs.audit`."""


class LogFolderError(AuditError, ValueError):
    """The folder given as the log root is missing or does not hold CloudTrail's layout.

    Parameters
    ----------
    folder:
        The folder as the caller gave it.
    problem:
        What is wrong and what layout is expected instead.
    """

    def __init__(self, folder: str, problem: str) -> None:
        self.folder = folder
        self.problem = problem
        super().__init__(f"log folder {folder}: {problem}")


class UnknownQueryError(AuditError, LookupError):
    """No audit query has this name.

    Parameters
    ----------
    name:
        The name asked for.
    known:
        The names of the queries that exist, listed in the message.
    """

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(f"unknown audit query {name!r}; known queries: {', '.join(self.known)}")

    def __str__(self) -> str:
        # LookupError (like KeyError) would otherwise be shown with quotes around the message.
        return str(self.args[0])


class QueryParameterError(AuditError, InvalidParameterError):
    """A query parameter is missing, unexpected or malformed.

    Parameters
    ----------
    query:
        The query the parameters were given to (its name, or ``"ad-hoc SQL"``).
    parameter:
        The parameter at fault, or ``"params"`` when the set of names is wrong.
    problem:
        What is wrong and what is allowed instead.
    """

    def __init__(self, query: str, parameter: str, problem: str) -> None:
        self.query = query
        InvalidParameterError.__init__(self, f"query {query!r}", parameter, problem)


class QueryDefinitionError(AuditError, ValueError):
    """A ``.sql`` file of the catalog (or ad-hoc SQL) breaks the query file conventions.

    Parameters
    ----------
    source:
        The file (or ``"ad-hoc SQL"``).
    problem:
        What is wrong, e.g. a header line that is missing.
    """

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class QueryExecutionError(AuditError, RuntimeError):
    """DuckDB (or sqlglot, translating the SQL) rejected the query.

    Parameters
    ----------
    query:
        The query name, or ``"ad-hoc SQL"``.
    problem:
        The engine's message.
    """

    def __init__(self, query: str, problem: str) -> None:
        self.query = query
        self.problem = problem
        super().__init__(f"query {query!r} failed: {problem}")


class HiveTypeError(AuditError, ValueError):
    """A Hive/Glue column type string that Glue and Athena would not accept.

    Parameters
    ----------
    type_string:
        The whole type string.
    position:
        0-based offset of the problem in ``type_string``.
    problem:
        What was expected there.
    """

    def __init__(self, type_string: str, position: int, problem: str) -> None:
        self.type_string = type_string
        self.position = position
        self.problem = problem
        super().__init__(f"invalid Hive type at offset {position}: {problem}: {type_string!r}")


class MissingAuditExtraError(AuditError, ImportError):
    """The optional dependencies of the local engine are not installed.

    Parameters
    ----------
    module:
        The module that could not be imported (``duckdb``, ``sqlglot`` or ``tqdm``).
    """

    def __init__(self, module: str) -> None:
        self.module = module
        super().__init__(
            f"the local audit engine needs {module!r}, which comes with the 'audit' extra: "
            "pip install 'constructs-obs[audit]'"
        )
