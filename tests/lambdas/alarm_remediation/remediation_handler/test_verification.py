"""Tests for acting only on alarms CloudWatch confirms (remediation_handler/verification.py).

Four alarms with an action each (stop an EC2 instance, reboot an RDS instance, pause a Lambda
function, notify a topic), all really in ALARM in CloudWatch (moto). A forged event for any of
them is refused: one audit line and one ``Refused`` metric with its reason, and nothing changes
(no acting AWS client is even created). The genuine alarm is acted on exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from lambdas.alarm_remediation.remediation_handler import clients
from lambdas.alarm_remediation.remediation_handler.exceptions import InvalidFunctionArnError
from lambdas.alarm_remediation.remediation_handler.verification import (
    ALARM_TYPES,
    FunctionIdentity,
    function_identity,
)
from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    CallRecorder,
    Loader,
    Output,
    acting_clients,
    idempotency_items,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    create_db_instance,
    create_function,
    firing_alarm,
    instance_state,
    received_notifications,
    reserved_concurrency,
    run_instance,
    set_alarm_state,
    subscribed_queue,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    alarm_arn,
    native_event,
)
from tests.lambdas.conftest import ACCOUNT_ID, REGION, aws_client

FORGED_ACCOUNT = "999999999999"
ALARMS = ("web-1-status", "orders-db-cpu", "orders-worker-errors", "queue-depth")


@dataclass
class Estate:
    """The resources the four alarms' actions change, and CloudWatch's genuine events."""

    instance_id: str
    queue_url: str
    topic_arn: str
    events: dict[str, dict[str, Any]]
    loader: Loader

    def load(self, dry_run: str = "false") -> None:
        """Load the handler with an action for each of the four alarms (in the test's body,
        so that its logger writes to the stdout the test reads)."""
        actions = {
            "web-1-status": {"action": "stop_ec2_instance", "instance_id": self.instance_id},
            "orders-db-cpu": {
                "action": "reboot_rds_instance",
                "db_instance_identifier": "orders-db",
            },
            "orders-worker-errors": {
                "action": "limit_lambda_concurrency",
                "function_name": "orders-worker",
                "reserved_concurrency": 0,
            },
            "queue-depth": {"action": "notify"},
        }
        self.loader(actions, dry_run=dry_run, topic=self.topic_arn)

    def assert_unchanged(self) -> None:
        assert instance_state(self.instance_id) == "running"
        assert reserved_concurrency("orders-worker") == 20
        assert received_notifications(self.queue_url) == []
        assert acting_clients() == set()  # no RDS, EC2, Lambda or SNS call could be made
        assert idempotency_items() == []


@pytest.fixture
def estate(request: pytest.FixtureRequest, load_handler: Loader) -> Estate:
    request.getfixturevalue("idempotency_table")  # moto, and the table
    instance_id = run_instance()
    create_db_instance("orders-db")
    create_function("orders-worker", reserved=20)
    topic_arn = aws_client("sns").create_topic(Name="oncall")["TopicArn"]
    queue_url = subscribed_queue(topic_arn)
    events = {name: firing_alarm(name) for name in ALARMS}
    return Estate(instance_id, queue_url, topic_arn, events, load_handler)


def _forged(event: dict[str, Any], **fields: object) -> dict[str, Any]:
    forged = json.loads(json.dumps(event))
    forged.update(fields)
    return dict(forged)


def _arn(event: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return _forged(event, alarmArn=event["alarmArn"].replace(old, new))


FORGERIES: Mapping[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "account": (
        lambda event: _forged(
            _arn(event, f":{ACCOUNT_ID}:", f":{FORGED_ACCOUNT}:"), accountId=FORGED_ACCOUNT
        ),
        "foreign_account",
    ),
    "account, in the ARN only": (
        lambda event: _arn(event, f":{ACCOUNT_ID}:", f":{FORGED_ACCOUNT}:"),
        "foreign_account",
    ),
    "account, in accountId only": (
        lambda event: _forged(event, accountId=FORGED_ACCOUNT),
        "foreign_account",
    ),
    "region": (
        lambda event: _forged(_arn(event, f":{REGION}:", ":eu-west-1:"), region="eu-west-1"),
        "foreign_region",
    ),
    "region, in the region field only": (
        lambda event: _forged(event, region="eu-west-1"),
        "foreign_region",
    ),
    "partition": (lambda event: _arn(event, "arn:aws:", "arn:aws-cn:"), "foreign_partition"),
    "ARN of another service": (
        lambda event: _arn(event, ":cloudwatch:", ":sns:"),
        "malformed_alarm_arn",
    ),
    "ARN not an ARN": (
        lambda event: _forged(event, alarmArn="web-1-status"),
        "malformed_alarm_arn",
    ),
    "ARN of another alarm": (
        lambda event: _forged(event, alarmArn=alarm_arn("someone-elses-alarm")),
        "alarm_name_mismatch",
    ),
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_alarm_event_is_refused_and_changes_nothing(
    estate: Estate, output: Callable[[], Output], forgery: str
) -> None:
    forge, reason = FORGERIES[forgery]
    estate.load()
    output()

    # WHEN each of the four alarms is named by a forged event
    summaries = [invoke(forge(estate.events[name])) for name in ALARMS]

    # THEN nothing changed, and each event got one audit line and one Refused metric
    estate.assert_unchanged()
    assert [summary["results"][0]["outcome"] for summary in summaries] == ["refused"] * 4
    written = output()
    assert [(line["alarm"], line["reason"]) for line in written.refusals] == [
        (name, reason) for name in ALARMS
    ]
    assert all(
        (line["decision"], line["level"], line["function_account"], line["function_region"])
        == ("refused", "WARNING", ACCOUNT_ID, REGION)
        for line in written.refusals
    )
    assert written.metric_totals() == {"Refused": 4}
    assert [point["dimensions"] for point in written.metric_dimensions("Refused")] == [
        {"Reason": reason}
    ] * 4


def test_a_forged_account_names_the_forged_arn_on_the_audit_line(
    estate: Estate, output: Callable[[], Output]
) -> None:
    estate.load()
    output()
    forged = FORGERIES["account"][0](estate.events["web-1-status"])

    summary = invoke(forged)

    [line] = output().refusals
    assert line["alarm_arn"] == forged["alarmArn"]
    assert line["detail"] == (
        f"the alarm ARN's account is '{FORGED_ACCOUNT}', not the function's account '{ACCOUNT_ID}'"
    )
    assert summary["results"][0]["detail"] == line["detail"]
    assert summary["results"][0]["action"] == "stop_ec2_instance"  # configured, not performed


def test_an_event_claiming_alarm_while_cloudwatch_says_ok_is_refused(
    estate: Estate, output: Callable[[], Output]
) -> None:
    # GIVEN the four alarms back in OK in CloudWatch
    for name in ALARMS:
        set_alarm_state(name, "OK")
    estate.load()
    output()

    # WHEN an event claims each of them is in ALARM
    for name in ALARMS:
        invoke(estate.events[name])

    # THEN CloudWatch's state wins
    written = output()
    estate.assert_unchanged()
    assert [line["reason"] for line in written.refusals] == ["not_in_alarm"] * 4
    assert written.refusals[0]["detail"] == (
        "CloudWatch reports the alarm in OK, the event claims ALARM"
    )
    assert [point["dimensions"] for point in written.metric_dimensions("Refused")] == [
        {"Reason": "not_in_alarm"}
    ] * 4


def test_an_event_for_an_alarm_cloudwatch_does_not_know_is_refused(
    estate: Estate, output: Callable[[], Output]
) -> None:
    aws_client("cloudwatch").delete_alarms(AlarmNames=list(ALARMS))
    estate.load()
    output()

    for name in ALARMS:
        invoke(estate.events[name])

    written = output()
    estate.assert_unchanged()
    assert [line["reason"] for line in written.refusals] == ["unknown_alarm"] * 4
    assert written.metric_totals() == {"Refused": 4}


def test_the_genuine_alarms_are_acted_on_exactly_once(
    estate: Estate, output: Callable[[], Output]
) -> None:
    # GIVEN the handler, and a record of the calls that act
    estate.load()
    reboots = CallRecorder(clients.client("rds"), "rds", "RebootDBInstance")
    stops = CallRecorder(clients.client("ec2"), "ec2", "StopInstances")
    output()

    # WHEN CloudWatch's events arrive, then arrive again, as they are or re-timestamped
    first = [invoke(estate.events[name]) for name in ALARMS]
    aws_client("lambda").put_function_concurrency(
        FunctionName="orders-worker", ReservedConcurrentExecutions=20
    )  # an operator restores the paused function
    replayed = [invoke(estate.events[name]) for name in ALARMS]
    later = "2030-01-01T00:00:00.000+0000"
    retimed = [invoke(native_event(name, timestamp=later)) for name in ALARMS]

    # THEN each action ran once; every redelivery was refused as a replay and changed nothing
    assert [summary["results"][0]["outcome"] for summary in first] == ["acted"] * 4
    assert instance_state(estate.instance_id) == "stopped"
    assert (len(reboots.calls), len(stops.calls)) == (1, 1)
    assert reserved_concurrency("orders-worker") == 20  # stays restored
    assert len(received_notifications(estate.queue_url)) == 1
    assert [summary["results"][0]["reason"] for summary in replayed + retimed] == ["replay"] * 8
    assert len(idempotency_items()) == 4
    written = output()
    assert written.metric_totals() == {
        "Acted": 4,
        "StopEc2Instance": 1,
        "RebootRdsInstance": 1,
        "LimitLambdaConcurrency": 1,
        "Notify": 1,
        "Refused": 8,
    }
    assert written.refusals[0]["detail"].startswith("this state change (CloudWatch state timestamp")


def test_dry_run_reports_only_verified_alarms_and_changes_nothing(
    estate: Estate, output: Callable[[], Output]
) -> None:
    # GIVEN the same actions, in dry run
    estate.load(dry_run="true")
    output()

    # WHEN the genuine event and a forged one arrive
    genuine = invoke(estate.events["web-1-status"])
    forged = invoke(FORGERIES["account"][0](estate.events["web-1-status"]))

    # THEN only the genuine one is reported as what would be done; nothing changed
    estate.assert_unchanged()
    assert (genuine["results"][0]["outcome"], genuine["results"][0]["reason"]) == (
        "dry_run",
        f"dry run: would stop EC2 instance {estate.instance_id}",
    )
    assert (forged["results"][0]["outcome"], forged["results"][0]["reason"]) == (
        "refused",
        "foreign_account",
    )
    written = output()
    assert written.metric_totals() == {"DryRun": 1, "StopEc2Instance": 1, "Refused": 1}
    assert written.decisions[0]["state_timestamp"] is not None  # CloudWatch was asked


def _stub_describe_alarms() -> Stubber:
    stubber = Stubber(clients.client("cloudwatch"))
    stubber.activate()
    return stubber


def _expected_call(name: str) -> dict[str, Any]:
    return {"AlarmNames": [name], "AlarmTypes": list(ALARM_TYPES)}


@pytest.mark.parametrize("code", ["AccessDenied", "Throttling"])
def test_a_describe_alarms_failure_is_raised_and_never_acted_on(
    estate: Estate, output: Callable[[], Output], code: str
) -> None:
    estate.load()
    stubber = _stub_describe_alarms()
    call = _expected_call("web-1-status")
    stubber.add_client_error("describe_alarms", code, expected_params=call)
    output()

    with pytest.raises(ClientError) as raised:
        invoke(estate.events["web-1-status"])

    assert raised.value.response["Error"]["Code"] == code
    estate.assert_unchanged()
    written = output()
    [line] = written.decisions
    assert (line["level"], line["outcome"]) == ("ERROR", "failed")
    assert line["reason"].startswith(
        f"could not verify the alarm with CloudWatch (DescribeAlarms): ClientError: An error "
        f"occurred ({code})"
    )
    assert written.metric_totals() == {"Failed": 1}  # no action was attempted


def _composite(name: str, arn: str, state: str) -> dict[str, Any]:
    return {
        "MetricAlarms": [],
        "CompositeAlarms": [
            {
                "AlarmName": name,
                "AlarmArn": arn,
                "StateValue": state,
                "StateReason": "child alarm in ALARM",
                "StateUpdatedTimestamp": datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
            }
        ],
    }


def test_a_composite_alarm_in_alarm_is_acted_on(estate: Estate) -> None:
    estate.load()
    stubber = _stub_describe_alarms()
    answer = _composite("queue-depth", alarm_arn("queue-depth"), "ALARM")
    stubber.add_response("describe_alarms", answer, _expected_call("queue-depth"))

    summary = invoke(native_event("queue-depth"))

    stubber.assert_no_pending_responses()
    assert summary["results"][0]["outcome"] == "acted"
    [notification] = received_notifications(estate.queue_url)
    assert "Time: 2024-05-01T10:00:00.000+00:00" in notification["Message"]


def test_an_alarm_whose_cloudwatch_arn_differs_is_refused_as_unknown(
    estate: Estate, output: Callable[[], Output]
) -> None:
    estate.load()
    stubber = _stub_describe_alarms()
    other = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:queue-depth-v2"
    stubber.add_response(
        "describe_alarms", _composite("queue-depth", other, "ALARM"), _expected_call("queue-depth")
    )
    output()

    invoke(native_event("queue-depth"))

    estate.assert_unchanged()
    [line] = output().refusals
    assert line["reason"] == "unknown_alarm"


@pytest.mark.usefixtures("idempotency_table")
def test_an_alarm_name_with_colons_is_verified_whole(load_handler: Loader) -> None:
    instance_id = run_instance()
    load_handler({"team:web-1": {"action": "stop_ec2_instance", "instance_id": instance_id}})

    summary = invoke(firing_alarm("team:web-1"))

    assert summary["results"][0]["outcome"] == "acted"
    assert instance_state(instance_id) == "stopped"


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:remediate",
            FunctionIdentity("aws", ACCOUNT_ID, REGION),
        ),
        (
            "arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:remediate:live",
            FunctionIdentity("aws-us-gov", "111122223333", "us-gov-west-1"),
        ),
    ],
)
def test_the_function_identity_is_read_from_its_arn(arn: str, expected: FunctionIdentity) -> None:
    assert function_identity(arn) == expected


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "remediate",
        f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:function:remediate",
        f"arn:aws:lambda:{REGION}::function:remediate",
        f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:remediate:1",
    ],
)
def test_a_function_arn_that_is_not_one_raises(arn: str) -> None:
    with pytest.raises(InvalidFunctionArnError, match="is not a Lambda function ARN"):
        function_identity(arn)
