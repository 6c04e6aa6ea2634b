"""Names of other stacks' resources written out, so that a dashboard needs no stack exports.

A widget that names a resource of another stack through a token (``Ref``, ``Fn::GetAtt``) makes
CDK export the value from that stack and import it in the dashboard's (``Fn::ImportValue``).
Under CDK's default (strong) references an export pins its producer: the resource cannot be
replaced or removed while the dashboard imports it, and CloudFormation allows 200 outputs per
template. When the resource's name is literal in its own template (a Lambda function's
``FunctionName``, a queue's ``QueueName``, a log group's ``LogGroupName``, ...), the name is
written out here instead: same value at deploy time, no reference between the stacks.
"""

from __future__ import annotations

from typing import Any, Final

from aws_cdk import CfnResource, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import IConstruct

__all__ = ["WrittenOut", "literal_alarm_name", "portable"]

# (CloudFormation type, "Ref" or the Fn::GetAtt attribute) -> the L1 property holding the name
# that reference returns.
_NAME_PROPERTIES: Final = {
    ("AWS::CloudWatch::Alarm", "Ref"): "alarm_name",
    ("AWS::DynamoDB::Table", "Ref"): "table_name",
    ("AWS::ECS::Cluster", "Ref"): "cluster_name",
    ("AWS::ECS::Service", "Name"): "service_name",
    ("AWS::Events::Rule", "Ref"): "name",
    ("AWS::Lambda::Function", "Ref"): "function_name",
    ("AWS::Logs::LogGroup", "Ref"): "log_group_name",
    ("AWS::RDS::DBCluster", "Ref"): "db_cluster_identifier",
    ("AWS::RDS::DBInstance", "Ref"): "db_instance_identifier",
    ("AWS::SNS::Topic", "TopicName"): "topic_name",
    ("AWS::SQS::Queue", "QueueName"): "queue_name",
}


class WrittenOut:
    """Writes out the names that other stacks hold literally (one per dashboard: it caches each
    stack's resources by logical id)."""

    def __init__(self) -> None:
        self._by_logical_id: dict[str, dict[str, CfnResource]] = {}

    def name(self, value: Any, owner: IConstruct) -> str | None:
        """``value`` as a literal string: itself when literal; for a reference to a resource of
        ``owner``'s stack, that resource's literal name; None when it is named at deploy time."""
        if not isinstance(value, str):
            return None
        if not Token.is_unresolved(value):
            return value
        there = Stack.of(owner)
        try:
            resolved = there.resolve(value)
        except RuntimeError:  # pragma: no cover - a token of a third stack: not ours to name
            return None
        logical_id, attribute = _reference(resolved)
        if logical_id is None:
            return None
        resource = self._resources(there).get(logical_id)
        if resource is None:
            return None
        prop = _NAME_PROPERTIES.get((resource.cfn_resource_type, attribute))
        name = getattr(resource, prop, None) if prop else None
        return name if isinstance(name, str) and not Token.is_unresolved(name) else None

    def metric(self, metric: cloudwatch.IMetric, owner: IConstruct) -> cloudwatch.IMetric | None:
        """``metric`` with every dimension written out (math expressions too), or None when one
        is named at deploy time."""
        if isinstance(metric, cloudwatch.Metric):
            if Token.is_unresolved(metric.namespace) or Token.is_unresolved(metric.metric_name):
                return None
            dimensions: dict[str, str] = {}
            for key, value in (metric.dimensions or {}).items():
                written = self.name(value, owner)
                if written is None:
                    return None
                dimensions[key] = written
            return metric.with_(dimensions_map=dimensions) if dimensions else metric
        if isinstance(metric, cloudwatch.MathExpression):
            using = {key: self.metric(m, owner) for key, m in metric.using_metrics.items()}
            if Token.is_unresolved(metric.expression) or any(m is None for m in using.values()):
                return None
            return cloudwatch.MathExpression(
                expression=metric.expression,
                using_metrics={key: m for key, m in using.items() if m is not None},
                label=metric.label,
                color=metric.color,
                period=metric.period,
                search_account=metric.search_account,
                search_region=metric.search_region,
            )
        return None

    def _resources(self, stack: Stack) -> dict[str, CfnResource]:
        path = stack.node.path
        if path not in self._by_logical_id:
            self._by_logical_id[path] = {
                stack.resolve(stack.get_logical_id(child)): child
                for child in stack.node.find_all()
                if isinstance(child, CfnResource) and Stack.of(child) is stack
            }
        return self._by_logical_id[path]


def _reference(resolved: Any) -> tuple[str | None, str]:
    """(logical id, "Ref" or the attribute) of a resolved ``Ref``/``Fn::GetAtt``."""
    if isinstance(resolved, dict) and len(resolved) == 1:
        ((function, argument),) = resolved.items()
        if function == "Ref" and isinstance(argument, str):
            return argument, "Ref"
        if function == "Fn::GetAtt" and isinstance(argument, list) and len(argument) == 2:
            return str(argument[0]), str(argument[1])
    return None, ""


def literal_alarm_name(alarm: cloudwatch.IAlarm) -> str | None:
    """The alarm's name as written in its own template (None: named at deploy time)."""
    cfn = alarm.node.default_child
    name = getattr(cfn, "alarm_name", None) or getattr(cfn, "composite_alarm_name", None)
    return name if isinstance(name, str) and not Token.is_unresolved(name) else None


def portable(metric: cloudwatch.IMetric) -> bool:
    """Whether ``metric`` names only literal values (it can be drawn from another stack's
    environment without a reference to that stack)."""
    if isinstance(metric, cloudwatch.Metric):
        values = [metric.namespace, metric.metric_name, *(metric.dimensions or {}).values()]
        return not any(Token.is_unresolved(value) for value in values)
    if isinstance(metric, cloudwatch.MathExpression):
        return not Token.is_unresolved(metric.expression) and all(
            portable(m) for m in metric.using_metrics.values()
        )
    return False
