"""Alarm remediation handler, deployed by the ``AlarmRemediation`` construct.

The function is the Lambda alarm action of the alarms it remediates: on a transition into
``ALARM`` that CloudWatch confirms (``DescribeAlarms``) for an alarm of the function's own
account and region, it performs the action configured for the alarm, once per CloudWatch state
change; every other event is refused (see ``remediation_handler.handler``).

Environment variables (described in ``remediation_handler.settings``): ``REMEDIATION_ACTIONS``,
``DRY_RUN`` (default ``"true"``), ``IDEMPOTENCY_TABLE``, ``NOTIFY_TOPIC_ARN``,
``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_METRICS_NAMESPACE``.

This folder is the function's asset (``lambdas/alarm_remediation``, handler
``index.lambda_handler``). Lambda puts the asset root on ``sys.path`` and imports this file as
the top-level module ``index``, so the handler package beside it is imported by its top-level
name; type checkers, which see this file inside the ``lambdas`` package, follow the relative
import instead. The code imports only the standard library, boto3 and Powertools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .remediation_handler.handler import lambda_handler
else:
    from remediation_handler.handler import lambda_handler

__all__ = ["lambda_handler"]
