"""At most one action per alarm state change, however often the change is delivered.

Lambda retries a failed asynchronous event, a DLQ can be redriven, and anyone who may invoke
the function can replay an alarm event, with its timestamp rewritten or not. Powertools
idempotency keeps one DynamoDB record per state change, keyed by the alarm ARN and CloudWatch's
``StateUpdatedTimestamp`` (see ``verification``), never by anything the event says: a second
delivery of one state change is refused as a replay (``replay``) instead of acting, and a
concurrent one while the first holds the record (``in_progress``). A failed action releases
its record, so Lambda's retry can act.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, Final, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from .actions import RemediationAction
from .clients import BOTO_CONFIG
from .execution import execute
from .outcome import Outcome
from .refusal import Refusal, RefusalReason
from .settings import Settings
from .verification import AlarmStateChange

# Lambda keeps retrying an asynchronous event for up to 6 hours and a DLQ redrive usually
# happens within a day: a day of memory covers every redelivery of one state change.
IDEMPOTENCY_EXPIRES_AFTER_SECONDS: Final = 24 * 60 * 60

# The records' key is "<function name>.<scope>#<hash>". Powertools derives the scope from the
# wrapped function's module and name; it is pinned to what the single-module handler had, so
# that a state change handled before an upgrade of this code is still recognised after it.
# The hash is the MD5 of the JSON list the key expression below selects from the confirmed
# state change: ["<alarm ARN>", "<CloudWatch's StateUpdatedTimestamp, ISO 8601 UTC, ms>"]
# (e.g. ["arn:aws:cloudwatch:eu-west-1:111122223333:alarm:api-cpu",
# "2024-05-01T10:00:00.000+00:00"]). The single-module handler hashed the event's alarm ARN and
# state timestamp in the same form: for a genuine alarm action they are the same two values
# (its alarmData.state.timestamp is the alarm's StateUpdatedTimestamp), so its records still
# match; but nothing the event says reaches the key any more.
IDEMPOTENCY_KEY_SCOPE: Final = "index._execute"


def _mark_replay(response: Any, idempotent_data: DataRecord) -> Any:
    """Idempotency response hook: tell a redelivery apart from the first handling."""
    previous = response if isinstance(response, dict) else {}
    return {**previous, "replayed": True, "idempotency_key": idempotent_data.idempotency_key}


IDEMPOTENCY_CONFIG: Final = IdempotencyConfig(
    # Key: the alarm ARN and CloudWatch's state timestamp identify one state change.
    event_key_jmespath="[alarm_arn, state_updated_timestamp]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=IDEMPOTENCY_EXPIRES_AFTER_SECONDS,
    response_hook=_mark_replay,
)


@functools.cache
def _idempotent_execute(table_name: str) -> Callable[..., dict[str, Any]]:
    """The idempotent ``execute``, built on first use so that module import never fails."""
    persistence = DynamoDBPersistenceLayer(table_name=table_name, boto_config=BOTO_CONFIG)
    # Powertools' own fallback when the variable is unset (outside Lambda).
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "test-func")
    return cast(
        "Callable[..., dict[str, Any]]",
        idempotent_function(
            execute,
            data_keyword_argument="change",
            persistence_store=persistence,
            config=IDEMPOTENCY_CONFIG,
            key_prefix=f"{function_name}.{IDEMPOTENCY_KEY_SCOPE}",
        ),
    )


def perform_once(
    change: AlarmStateChange, action: RemediationAction, settings: Settings
) -> tuple[Outcome, str] | Refusal:
    """Perform the action once per state change, or refuse a redelivery; AWS errors propagate."""
    try:
        response = _idempotent_execute(cast("str", settings.idempotency_table))(
            change=change, action=action, notify_topic_arn=settings.notify_topic_arn
        )
    except IdempotencyAlreadyInProgressError:
        # Another invocation holds this state change; it (or Lambda's retry of it) will act.
        return Refusal(
            RefusalReason.IN_PROGRESS,
            "another invocation is already handling this state change "
            f"(CloudWatch state timestamp {change.state_updated_timestamp})",
            change.alarm_name,
            change.alarm_arn,
        )
    if response.get("replayed"):
        return Refusal(
            RefusalReason.REPLAY,
            "this state change (CloudWatch state timestamp "
            f"{change.state_updated_timestamp}) was already handled "
            f"({response.get('outcome')}: {response.get('reason')})",
            change.alarm_name,
            change.alarm_arn,
        )
    return Outcome(response["outcome"]), str(response["reason"])
