"""The collectors' own configuration schemas, for checking the configurations the library renders.

* CloudWatch agent: the parts of the agent's JSON schema (aws/amazon-cloudwatch-agent,
  ``translator/config/schema.json``, draft-04) that the library's configurations reach
  (``traces``, ``metrics`` with StatsD, ``logs`` with Application Signals and the shared
  definitions), transcribed with their constraints, and a validator for the draft-04 keywords
  they use. The agent validates its configuration against that schema when it starts.
* ADOT collector: the collector refuses a configuration naming a component its build does not
  include, a key a component's configuration does not define (mapstructure's error-unused), or
  a pipeline referring to an undeclared component. The component types are those the ADOT
  collector registers (``pkg/defaultcomponents``; ``otlp_http`` is the name the OpenTelemetry
  Collector gives ``otlphttp`` since v0.144.0, ADOT v0.50.0 builds on v0.158.0); the keys are
  the ``mapstructure`` fields of each component's ``Config``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

# -- CloudWatch agent ------------------------------------------------------------------------

_ENDPOINT: Final = {"type": "string", "minLength": 4, "maxLength": 2048}
_INTERVAL: Final = {"type": "integer", "minimum": 1, "maximum": 172800}
_INTERVAL_WITH_ZERO: Final = {"type": "integer", "minimum": 0, "maximum": 172800}
_NAME_255: Final = {"type": "string", "minLength": 1, "maxLength": 255}
_NAME_4096: Final = {"type": "string", "minLength": 1, "maxLength": 4096}
_TLS: Final = {
    "type": "object",
    "properties": {
        "ca_file": _NAME_255,
        "cert_file": _NAME_255,
        "key_file": _NAME_255,
        "insecure": {"type": "boolean"},
    },
}
_OTLP_OBJECT: Final = {
    "type": "object",
    "properties": {
        "grpc_endpoint": {"$ref": "#/definitions/endpointOverrideDefinition"},
        "http_endpoint": {"$ref": "#/definitions/endpointOverrideDefinition"},
        "tls": _TLS,
        "service.name": _NAME_255,
        "deployment.environment": {"type": "string", "minLength": 1, "maxLength": 259},
    },
    "additionalProperties": False,
}
_APPLICATION_SIGNALS_METRICS: Final = {
    "type": "object",
    "properties": {
        "hosted_in": {"type": "string", "minLength": 1, "maxLength": 1024},
        "rules": {
            "type": "array",
            "items": {"type": "object", "required": ["selectors", "action"]},
        },
    },
    "additionalProperties": True,
}
_STATSD: Final = {
    "type": "object",
    "properties": {
        "allowed_pending_messages": {"type": "integer", "minimum": 1, "maximum": 2147483647},
        "service_address": _NAME_255,
        "metrics_collection_interval": _INTERVAL,
        "metrics_aggregation_interval": _INTERVAL_WITH_ZERO,
        "metric_separator": _NAME_255,
        "drop_original_metrics": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "uniqueItems": True,
        },
        "service.name": _NAME_4096,
        "deployment.environment": _NAME_4096,
    },
    "additionalProperties": False,
}
CLOUDWATCH_AGENT_SCHEMA: Final[Mapping[str, Any]] = {
    "type": "object",
    "properties": {
        "agent": {"type": "object", "additionalProperties": True},
        "metrics": {"$ref": "#/definitions/metricsDefinition"},
        "logs": {"$ref": "#/definitions/logsDefinition"},
        "traces": {"$ref": "#/definitions/tracesDefinition"},
    },
    "additionalProperties": True,
    "definitions": {
        "endpointOverrideDefinition": _ENDPOINT,
        "otlpDefinitions": {
            "oneOf": [
                {"type": "array", "minItems": 1, "maxItems": 255, "items": _OTLP_OBJECT},
                _OTLP_OBJECT,
            ]
        },
        "metricsDefinition": {
            "type": "object",
            "properties": {
                "namespace": _NAME_255,
                "metrics_collected": {
                    "type": "object",
                    "properties": {
                        "statsd": _STATSD,
                        "otlp": {"$ref": "#/definitions/otlpDefinitions"},
                    },
                    "minProperties": 1,
                },
                "force_flush_interval": _INTERVAL,
            },
            "additionalProperties": False,
            "required": ["metrics_collected"],
        },
        "logsDefinition": {
            "type": "object",
            "properties": {
                "metrics_collected": {
                    "type": "object",
                    "properties": {
                        "application_signals": _APPLICATION_SIGNALS_METRICS,
                        "otlp": {"$ref": "#/definitions/otlpDefinitions"},
                    },
                    "additionalProperties": True,
                },
                "force_flush_interval": _INTERVAL,
                "concurrency": {"type": "integer", "minimum": 1},
            },
            "additionalProperties": False,
            "anyOf": [{"required": ["logs_collected"]}, {"required": ["metrics_collected"]}],
        },
        "tracesDefinition": {
            "type": "object",
            "properties": {
                "traces_collected": {
                    "type": "object",
                    "properties": {
                        "app_signals": {"type": "object", "additionalProperties": True},
                        "application_signals": {"type": "object", "additionalProperties": True},
                        "xray": {
                            "type": "object",
                            "properties": {
                                "bind_address": {
                                    "$ref": "#/definitions/endpointOverrideDefinition"
                                },
                                "tcp_proxy": {
                                    "type": "object",
                                    "properties": {
                                        "bind_address": {
                                            "$ref": "#/definitions/endpointOverrideDefinition"
                                        }
                                    },
                                    "additionalProperties": False,
                                },
                            },
                            "additionalProperties": False,
                        },
                        "otlp": {"$ref": "#/definitions/otlpDefinitions"},
                    },
                    "minProperties": 1,
                    "additionalProperties": False,
                },
                "concurrency": {"type": "integer", "minimum": 1},
                "buffer_size_mb": {"type": "integer", "minimum": 3},
                "resource_arn": {"type": "string"},
                "local_mode": {"type": "boolean"},
                "insecure": {"type": "boolean"},
                "region_override": {"type": "string"},
                "transit_spans_in_otlp_format": {"type": "boolean"},
            },
            "additionalProperties": False,
            "required": ["traces_collected"],
        },
    },
}

_TYPES: Final[Mapping[str, tuple[type, ...]]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def schema_errors(
    instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any] | None = None, at: str = "$"
) -> list[str]:
    """What makes ``instance`` invalid under the draft-04 ``schema`` (keywords the agent's
    schema uses); empty when it is valid."""
    root = root or schema
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(instance, target, root, at)
    errors = _type_errors(instance, schema, at)
    if errors:
        return errors
    errors += _combinator_errors(instance, schema, root, at)
    if isinstance(instance, dict):
        errors += _object_errors(instance, schema, root, at)
    elif isinstance(instance, list):
        errors += _array_errors(instance, schema, root, at)
    elif isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{at}: shorter than {schema['minLength']}")
        if len(instance) > schema.get("maxLength", len(instance)):
            errors.append(f"{at}: longer than {schema['maxLength']}")
    elif isinstance(instance, int | float) and not isinstance(instance, bool):
        if instance < schema.get("minimum", instance):
            errors.append(f"{at}: below {schema['minimum']}")
        if instance > schema.get("maximum", instance):
            errors.append(f"{at}: above {schema['maximum']}")
    return errors


def _type_errors(instance: Any, schema: Mapping[str, Any], at: str) -> list[str]:
    expected = schema.get("type")
    if expected is None:
        return []
    allowed = _TYPES[expected]
    if isinstance(instance, bool) and bool not in allowed:
        return [f"{at}: expected {expected}, got a boolean"]
    if not isinstance(instance, allowed):
        return [f"{at}: expected {expected}, got {type(instance).__name__}"]
    if "enum" in schema and instance not in schema["enum"]:
        return [f"{at}: {instance!r} not in {schema['enum']}"]
    return []


def _combinator_errors(
    instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any], at: str
) -> list[str]:
    errors = []
    for part in schema.get("allOf", []):
        errors += schema_errors(instance, part, root, at)
    if "anyOf" in schema and all(schema_errors(instance, p, root, at) for p in schema["anyOf"]):
        errors.append(f"{at}: matches none of anyOf")
    if "oneOf" in schema:
        matching = [p for p in schema["oneOf"] if not schema_errors(instance, p, root, at)]
        if len(matching) != 1:
            errors.append(f"{at}: matches {len(matching)} of oneOf, not exactly one")
    return errors


def _object_errors(
    instance: dict[str, Any], schema: Mapping[str, Any], root: Mapping[str, Any], at: str
) -> list[str]:
    errors = [f"{at}: missing {key!r}" for key in schema.get("required", []) if key not in instance]
    if len(instance) < schema.get("minProperties", 0):
        errors.append(f"{at}: fewer than {schema['minProperties']} properties")
    properties = schema.get("properties", {})
    additional = schema.get("additionalProperties", True)
    for key, value in instance.items():
        if key in properties:
            errors += schema_errors(value, properties[key], root, f"{at}.{key}")
        elif additional is False:
            errors.append(f"{at}: unknown property {key!r}")
        elif isinstance(additional, dict):
            errors += schema_errors(value, additional, root, f"{at}.{key}")
    return errors


def _array_errors(
    instance: list[Any], schema: Mapping[str, Any], root: Mapping[str, Any], at: str
) -> list[str]:
    errors = []
    if len(instance) < schema.get("minItems", 0):
        errors.append(f"{at}: fewer than {schema['minItems']} items")
    if len(instance) > schema.get("maxItems", len(instance)):
        errors.append(f"{at}: more than {schema['maxItems']} items")
    if "items" in schema:
        for index, item in enumerate(instance):
            errors += schema_errors(item, schema["items"], root, f"{at}[{index}]")
    return errors


# -- ADOT collector --------------------------------------------------------------------------

ANY: Final = None  # a key whose value the check does not look into
_GRPC_SERVER: Final = {
    "endpoint": ANY,
    "transport": ANY,
    "tls": ANY,
    "max_recv_msg_size_mib": ANY,
    "max_concurrent_streams": ANY,
    "read_buffer_size": ANY,
    "write_buffer_size": ANY,
    "keepalive": ANY,
    "auth": ANY,
    "include_metadata": ANY,
}
_HTTP_SERVER: Final = {
    "endpoint": ANY,
    "tls": ANY,
    "cors": ANY,
    "auth": ANY,
    "max_request_body_size": ANY,
    "include_metadata": ANY,
    "response_headers": ANY,
    "traces_url_path": ANY,
    "metrics_url_path": ANY,
    "logs_url_path": ANY,
}
_PROXY: Final = {
    "endpoint": ANY,
    "proxy_address": ANY,
    "tls": ANY,
    "region": ANY,
    "role_arn": ANY,
    "aws_endpoint": ANY,
    "local_mode": ANY,
    "imds_retries": ANY,
    "service_name": ANY,
}
_OTLP_HTTP_EXPORTER: Final = {
    "endpoint": ANY,
    "traces_endpoint": ANY,
    "metrics_endpoint": ANY,
    "logs_endpoint": ANY,
    "compression": ANY,
    "encoding": ANY,
    "headers": ANY,
    "timeout": ANY,
    "tls": ANY,
    "auth": {"authenticator": ANY},
    "retry_on_failure": ANY,
    "sending_queue": ANY,
    "read_buffer_size": ANY,
    "write_buffer_size": ANY,
}
ADOT_COMPONENTS: Final[Mapping[str, Mapping[str, Any]]] = {
    "receivers": {
        "otlp": {"protocols": {"grpc": _GRPC_SERVER, "http": _HTTP_SERVER}},
        "awsxray": {"endpoint": ANY, "transport": ANY, "proxy_server": _PROXY},
        "statsd": ANY,
        "prometheus": ANY,
        "awsecscontainermetrics": ANY,
        "filelog": ANY,
        "jaeger": ANY,
        "zipkin": ANY,
        "kafka": ANY,
    },
    "processors": {
        "memory_limiter": {
            "check_interval": ANY,
            "limit_mib": ANY,
            "spike_limit_mib": ANY,
            "limit_percentage": ANY,
            "spike_limit_percentage": ANY,
            "min_gc_interval_when_soft_limited": ANY,
            "min_gc_interval_when_hard_limited": ANY,
        },
        "batch": {
            "timeout": ANY,
            "send_batch_size": ANY,
            "send_batch_max_size": ANY,
            "metadata_keys": ANY,
            "metadata_cardinality_limit": ANY,
        },
        "resourcedetection": {
            "detectors": ANY,
            "timeout": ANY,
            "override": ANY,
            "attributes": ANY,
            "ecs": ANY,
            "env": ANY,
        },
        "attributes": ANY,
        "resource": ANY,
        "filter": ANY,
        "probabilistic_sampler": ANY,
        "tail_sampling": ANY,
    },
    "exporters": {
        "awsxray": {
            "region": ANY,
            "endpoint": ANY,
            "role_arn": ANY,
            "local_mode": ANY,
            "indexed_attributes": ANY,
            "index_all_attributes": ANY,
            "aws_log_groups": ANY,
            "telemetry": ANY,
            "transit_spans_in_otlp_format": ANY,
            "num_workers": ANY,
            "no_verify_ssl": ANY,
            "proxy_address": ANY,
            "request_timeout_seconds": ANY,
            "max_retries": ANY,
        },
        "otlp_http": _OTLP_HTTP_EXPORTER,
        "otlphttp": _OTLP_HTTP_EXPORTER,
        "otlp_grpc": ANY,
        "otlp": ANY,
        "awsemf": ANY,
        "awscloudwatchlogs": ANY,
        "prometheusremotewrite": ANY,
        "debug": ANY,
        "file": ANY,
    },
    "extensions": {
        "health_check": {
            "endpoint": ANY,
            "path": ANY,
            "response_body": ANY,
            "check_collector_pipeline": ANY,
            "tls": ANY,
        },
        "awsproxy": _PROXY,
        "sigv4auth": {
            "region": ANY,
            "service": ANY,
            "assume_role": {"arn": ANY, "session_name": ANY, "sts_region": ANY},
            "assume_role_with_web_identity": ANY,
        },
        "pprof": ANY,
        "zpages": ANY,
        "ecs_observer": ANY,
        "file_storage": ANY,
    },
}
_COMPONENT_ID = re.compile(r"([a-z][a-z0-9_]*)(?:/[^/\s]+)?")
_PIPELINE_ID = re.compile(r"(traces|metrics|logs)(?:/[^/\s]+)?")


def adot_config_errors(config: Mapping[str, Any]) -> list[str]:
    """What the ADOT collector would refuse in ``config``; empty when it would start."""
    errors = [
        f"unknown top-level key {key!r}"
        for key in config
        if key not in {*ADOT_COMPONENTS, "service", "connectors"}
    ]
    for kind, known in ADOT_COMPONENTS.items():
        for component_id, settings in (config.get(kind) or {}).items():
            match = _COMPONENT_ID.fullmatch(component_id)
            if match is None or match.group(1) not in known:
                errors.append(f"{kind}: {component_id!r} is not a component of the ADOT build")
                continue
            errors += _key_errors(settings or {}, known[match.group(1)], f"{kind}.{component_id}")
    service = config.get("service") or {}
    errors += [
        f"service.extensions: {name!r} is not declared"
        for name in service.get("extensions", [])
        if name not in (config.get("extensions") or {})
    ]
    for pipeline, parts in (service.get("pipelines") or {}).items():
        if _PIPELINE_ID.fullmatch(pipeline) is None:
            errors.append(f"service.pipelines: {pipeline!r} is not a traces/metrics/logs pipeline")
        for kind in ("receivers", "processors", "exporters"):
            names = parts.get(kind, [])
            if kind != "processors" and not names:
                errors.append(f"pipeline {pipeline}: no {kind}")
            errors += [
                f"pipeline {pipeline}: {kind[:-1]} {name!r} is not declared"
                for name in names
                if name not in (config.get(kind) or {})
            ]
    return errors


def _key_errors(settings: Any, allowed: Any, at: str) -> list[str]:
    if allowed is ANY:
        return []
    if not isinstance(settings, dict):
        return [f"{at}: expected a mapping, got {settings!r}"]
    errors = []
    for key, value in settings.items():
        if key not in allowed:
            errors.append(f"{at}: {key!r} is not a setting of this component")
        else:
            errors += _key_errors(value, allowed[key], f"{at}.{key}")
    return errors
