"""The Powertools logger, metrics and tracer every stage of the handler shares.

They are created once per execution environment, when the handler is imported (Lambda's init
phase), as Powertools expects: the tracer patches boto3 then, and the decorators that the other
modules apply at import need the objects. The service name and metrics namespace come from the
standard Powertools variables, with the library's defaults; everything else the handler reads
from its environment is read by ``settings.load_settings`` when the first event arrives.
"""

from __future__ import annotations

import os
from typing import Final

from aws_lambda_powertools import Logger, Metrics, Tracer

DEFAULT_SERVICE_NAME: Final = "alarm-remediation"
DEFAULT_METRICS_NAMESPACE: Final = "ConstructsObs/Remediation"

_SERVICE_NAME: Final = os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE_NAME

logger = Logger(service=_SERVICE_NAME)
metrics = Metrics(
    service=_SERVICE_NAME,
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_METRICS_NAMESPACE,
)
tracer = Tracer(service=_SERVICE_NAME)
