"""Logs: encrypted log groups with retention, pattern metrics and alarms, and S3 archives."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.logs.encrypted_log_group import (
        ALLOWED_RETENTION_DAYS as ALLOWED_RETENTION_DAYS,
    )
    from constructs_obs.logs.encrypted_log_group import (
        DEFAULT_METRIC_NAMESPACE as DEFAULT_METRIC_NAMESPACE,
    )
    from constructs_obs.logs.encrypted_log_group import (
        EncryptedLogGroup as EncryptedLogGroup,
    )
    from constructs_obs.logs.encrypted_log_group import (
        PatternAlarm as PatternAlarm,
    )
    from constructs_obs.logs.encrypted_log_group import (
        PatternAlarmOptions as PatternAlarmOptions,
    )
    from constructs_obs.logs.encrypted_log_group import (
        PiiProtection as PiiProtection,
    )
    from constructs_obs.logs.log_archive import (
        LogArchive as LogArchive,
    )
    from constructs_obs.logs.log_archive import (
        LogArchiveOptions as LogArchiveOptions,
    )

_EXPORTS: Final = {
    "constructs_obs.logs.encrypted_log_group": (
        "ALLOWED_RETENTION_DAYS",
        "DEFAULT_METRIC_NAMESPACE",
        "EncryptedLogGroup",
        "PatternAlarm",
        "PatternAlarmOptions",
        "PiiProtection",
    ),
    "constructs_obs.logs.log_archive": (
        "LogArchive",
        "LogArchiveOptions",
    ),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
