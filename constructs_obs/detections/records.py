"""CloudTrail records: load them, and build the events EventBridge and CloudWatch Logs see.

Records come from memory (dicts), from files (a record, a list of records, or a CloudTrail log
file ``{"Records": [...]}``, plain ``.json`` or gzipped ``.json.gz``) or from a folder holding
CloudTrail's S3 layout::

    AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_..._<id>.json.gz
    AWSLogs/<org-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/...  (an organization trail)

Digest files (``CloudTrail-Digest/``) and Insights files (``CloudTrail-Insight/``) in the same
bucket are not records and are left out.

For every record CloudTrail delivers, EventBridge receives an event whose ``detail`` is the
record; :func:`to_eventbridge_event` builds it.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from constructs_obs.detections.errors import RecordLoadError

__all__ = [
    "GLOBAL_SERVICE_EVENT_SOURCES",
    "RecordSource",
    "delivery_region",
    "eventbridge_detail_type",
    "eventbridge_source",
    "is_read_only_management_event",
    "iter_records",
    "load_records",
    "to_eventbridge_event",
]

#: What :func:`load_records` accepts.
RecordSource = Iterable[Mapping[str, Any]] | Mapping[str, Any] | str | os.PathLike[str]

#: Services whose CloudTrail events are global: delivered, and sent to EventBridge, in
#: us-east-1 only (CloudTrail user guide, "global service events": IAM, CloudFront, Route 53,
#: Organizations). STS and console sign-in are global only through their global endpoints,
#: whose records already say us-east-1; through a regional endpoint they stay in that region.
GLOBAL_SERVICE_EVENT_SOURCES: Final = frozenset(
    {
        "iam.amazonaws.com",
        "cloudfront.amazonaws.com",
        "route53.amazonaws.com",
        "organizations.amazonaws.com",
    }
)
_GLOBAL_REGION: Final = "us-east-1"
_LOG_FOLDER: Final = "CloudTrail"
_SUFFIXES: Final = (".json.gz", ".json")

#: The EventBridge ``detail-type`` for each CloudTrail ``eventType``.
_DETAIL_TYPES: Final[Mapping[str, str]] = {
    "AwsApiCall": "AWS API Call via CloudTrail",
    "AwsConsoleSignIn": "AWS Console Sign In via CloudTrail",
    "AwsServiceEvent": "AWS Service Event via CloudTrail",
    "AwsConsoleAction": "AWS Console Action via CloudTrail",
    "AwsCloudTrailInsight": "AWS Insight via CloudTrail",
}
# Records from before CloudTrail wrote eventType (eventVersion 1.0) are API calls.
_DEFAULT_DETAIL_TYPE: Final = _DETAIL_TYPES["AwsApiCall"]
_NO_EVENT_ID: Final = "00000000-0000-0000-0000-000000000000"
_SOURCE_CACHE: dict[str, str] = {}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_records(source: RecordSource) -> list[dict[str, Any]]:
    """Load CloudTrail records into a list.

    Parameters
    ----------
    source:
        Records as dicts (a list, or one record, or a log file's ``{"Records": [...]}``), the
        path of a ``.json``/``.json.gz`` file holding a record, a list of records or a log
        file, or a folder in CloudTrail's S3 layout (a folder without that layout: every
        ``.json``/``.json.gz`` file under it).

    Raises
    ------
    RecordLoadError
        A file is missing, not gzip, not JSON, or does not hold records; the message names
        the file.
    """
    return list(iter_records(source))


def iter_records(source: RecordSource) -> Iterator[dict[str, Any]]:
    """Like :func:`load_records`, one record at a time (a folder is read file by file)."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            for file in log_files(path):
                yield from _read_file(file)
        elif path.is_file():
            yield from _read_file(path)
        else:
            raise RecordLoadError(str(path), "no such file or folder")
        return
    if isinstance(source, Mapping):
        yield from _records_of(source, "the given mapping")
        return
    for index, record in enumerate(source):
        if not isinstance(record, Mapping):
            raise RecordLoadError(
                f"record {index}",
                f"a record is a JSON object (a dict), got {type(record).__name__}",
            )
        yield record if type(record) is dict else _plain(record)


def log_files(folder: Path) -> list[Path]:
    """The CloudTrail log files under a folder, in path (and so time) order.

    Files in a ``CloudTrail`` folder (CloudTrail's S3 layout) when there are any; otherwise
    every ``.json``/``.json.gz`` file under the folder.
    """
    files = sorted(
        path for path in folder.rglob("*") if path.name.endswith(_SUFFIXES) and path.is_file()
    )
    in_layout = [path for path in files if _LOG_FOLDER in path.resolve().parent.parts]
    chosen = in_layout or files
    if not chosen:
        raise RecordLoadError(
            str(folder),
            "no CloudTrail log files found (expected AWSLogs/<account>/CloudTrail/<region>/"
            "YYYY/MM/DD/*.json.gz, or .json/.json.gz files)",
        )
    return chosen


def _read_file(path: Path) -> Iterator[dict[str, Any]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RecordLoadError(str(path), f"cannot read the file: {error.strerror}") from None
    if path.name.endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise RecordLoadError(str(path), f"not a valid gzip file: {error}") from None
    try:
        parsed = json.loads(data)
    except UnicodeDecodeError as error:
        raise RecordLoadError(str(path), f"not UTF-8 text: {error.reason}") from None
    except json.JSONDecodeError as error:
        raise RecordLoadError(
            str(path), f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except (ValueError, RecursionError) as error:
        raise RecordLoadError(str(path), f"not valid JSON: {error}") from None
    if isinstance(parsed, list):
        yield from _checked(parsed, str(path))
    elif isinstance(parsed, dict):
        if "Records" not in parsed and "eventName" not in parsed:
            raise RecordLoadError(
                str(path),
                'neither a CloudTrail log file ({"Records": [...]}) nor a record (no eventName)',
            )
        yield from _records_of(parsed, str(path))
    else:
        raise RecordLoadError(
            str(path), f"expected a JSON object or array, got {type(parsed).__name__}"
        )


def _records_of(value: Mapping[str, Any], where: str) -> Iterator[dict[str, Any]]:
    if "Records" not in value:
        yield value if type(value) is dict else _plain(value)
        return
    records = value["Records"]
    if not isinstance(records, list):
        raise RecordLoadError(where, f"'Records' must be an array, got {type(records).__name__}")
    yield from _checked(records, where)


def _checked(records: list[Any], where: str) -> Iterator[dict[str, Any]]:
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise RecordLoadError(
                where, f"record {index} is a {type(record).__name__}, not a JSON object"
            )
        yield record if type(record) is dict else _plain(record)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------
# EventBridge
# --------------------------------------------------------------------------------------------


def eventbridge_source(event_source: object) -> str | None:
    """The EventBridge ``source`` for a CloudTrail ``eventSource``.

    ``iam.amazonaws.com`` gives ``aws.iam``, ``signin.amazonaws.com`` gives ``aws.signin``:
    ``aws.`` followed by the service prefix of the endpoint. None when there is no
    ``eventSource``.
    """
    if not isinstance(event_source, str) or not event_source:
        return None
    cached = _SOURCE_CACHE.get(event_source)
    if cached is None:
        service = event_source.split(".", 1)[0]
        cached = _SOURCE_CACHE.setdefault(event_source, f"aws.{service}")
    return cached


def eventbridge_detail_type(record: Mapping[str, Any]) -> str | None:
    """The EventBridge ``detail-type`` for a record, or None when EventBridge gets no event.

    ``AwsApiCall`` gives "AWS API Call via CloudTrail", ``AwsConsoleSignIn`` "AWS Console Sign
    In via CloudTrail", ``AwsServiceEvent`` "AWS Service Event via CloudTrail" (also
    ``AwsConsoleAction`` and ``AwsCloudTrailInsight``). Records without ``eventType`` (before
    eventVersion 1.02) are API calls.
    """
    event_type = record.get("eventType")
    if event_type is None:
        return _DEFAULT_DETAIL_TYPE
    return _DETAIL_TYPES.get(event_type) if isinstance(event_type, str) else None


def delivery_region(record: Mapping[str, Any]) -> str | None:
    """The region whose EventBridge receives a record: us-east-1 for global services.

    ``awsRegion``, except for the services in :data:`GLOBAL_SERVICE_EVENT_SOURCES`, whose
    events only reach us-east-1. None when the record names no region.
    """
    source = record.get("eventSource")
    if isinstance(source, str) and source in GLOBAL_SERVICE_EVENT_SOURCES:
        return _GLOBAL_REGION
    region = record.get("awsRegion")
    return region if isinstance(region, str) else None


def is_read_only_management_event(record: Mapping[str, Any]) -> bool:
    """A read-only management API call (``readOnly: true``).

    EventBridge only matches these against rules whose state is
    ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``.
    """
    read_only = record.get("readOnly")
    if read_only is not True and read_only != "true":
        return False
    if record.get("managementEvent") is False:
        return False
    return bool(record.get("eventCategory", "Management") == "Management")


def to_eventbridge_event(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The event EventBridge delivers for a CloudTrail record (None if it delivers none).

    ``{"version": "0", "id": ..., "detail-type": ..., "source": "aws.<service>", "account":
    recipientAccountId, "time": eventTime, "region": the region EventBridge receives it in (see
    :func:`delivery_region`), "resources": [], "detail":
    <the record>}``. EventBridge gives each event an ``id`` of its own; here it is the
    record's ``eventID`` (a UUID too), so it is stable from run to run. ``account`` falls back
    to ``userIdentity.accountId`` for records without ``recipientAccountId``.
    """
    detail_type = eventbridge_detail_type(record)
    if detail_type is None:
        return None
    account = record.get("recipientAccountId")
    if account is None:
        identity = record.get("userIdentity")
        account = identity.get("accountId") if isinstance(identity, Mapping) else None
    event_id = record.get("eventID")
    return {
        "version": "0",
        "id": event_id if isinstance(event_id, str) else _NO_EVENT_ID,
        "detail-type": detail_type,
        "source": eventbridge_source(record.get("eventSource")),
        "account": account,
        "time": record.get("eventTime"),
        "region": delivery_region(record),
        "resources": [],
        "detail": record if type(record) is dict else _plain(record),
    }
