"""The attack-technique rules fire on the attack and stay quiet on its near misses.

Each rule is taken from the synthesized template (tests/security/conftest.py) and run by the
library's offline evaluator. The records are SYNTHETIC: AWS's documented IAM CreateUser record
(tests/fixtures/cloudtrail/06_createuser_iam.json) turned into the call under test, with the
request parameters as CloudTrail writes them for that API; the AssumeRole sample (09) where
it fits. Read-only calls carry ``readOnly: true``, so they also prove the rule's state lets
EventBridge deliver them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from constructs_obs import SecurityDetection
from constructs_obs.detections import DetectionSet
from constructs_obs.security.catalogue_attacks import ATTACKS
from tests.detections.helpers import api_call, changed, delete, sample
from tests.security.conftest import Catalogue

Case = Callable[[], dict[str, Any]]
D = SecurityDetection


def _read(source: str, name: str, **changes: Any) -> dict[str, Any]:
    return api_call(source, name, readOnly=True, **changes)


def _params(source: str, name: str, parameters: Any, **changes: Any) -> Case:
    return lambda: api_call(source, name, requestParameters=parameters, **changes)


_INSTANCE_ROLE = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLEID:i-0123456789abcdef0",
    "arn": "arn:aws:sts::123456789012:assumed-role/WebServer/i-0123456789abcdef0",
    "accountId": "123456789012",
    "accessKeyId": "ASIAEXAMPLEKEY",
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "arn": "arn:aws:iam::123456789012:role/WebServer",
            "userName": "WebServer",
        },
        "attributes": {"creationDate": "2026-12-04T10:00:00Z", "mfaAuthenticated": "false"},
        "ec2RoleDelivery": "2.0",
    },
}


def _instance_call(address: str, **changes: Any) -> Case:
    return lambda: _read(
        "s3", "ListBuckets", userIdentity=_INSTANCE_ROLE, sourceIPAddress=address, **changes
    )


def _shared(permission: str, item: dict[str, str], action: str = "add") -> dict[str, Any]:
    return {"imageId": "ami-0abcdef1234567890", permission: {action: {"items": [item]}}}


def _ingress(*permissions: dict[str, Any]) -> dict[str, Any]:
    return {"groupId": "sg-0123456789abcdef0", "ipPermissions": {"items": list(permissions)}}


def _permission(protocol: str, ports: tuple[int, int] | None, cidr: str) -> dict[str, Any]:
    ranges = (
        {"ipv6Ranges": {"items": [{"cidrIpv6": cidr}]}}
        if ":" in cidr
        else {"ipRanges": {"items": [{"cidrIp": cidr}]}}
    )
    span = {"fromPort": ports[0], "toPort": ports[1]} if ports else {}
    return {"ipProtocol": protocol, **span, "groups": {}, "prefixListIds": {}, **ranges}


def _bedrock(name: str, arn: str, **changes: Any) -> Case:
    identity = {"type": "AssumedRole", "arn": arn, "accountId": "123456789012"}
    if arn.startswith("arn:aws:iam::"):
        identity["type"] = "IAMUser"
    return lambda: api_call(
        "bedrock",
        name,
        userIdentity=identity,
        requestParameters={"modelId": "anthropic.claude-3-haiku-20240307-v1:0"},
        **changes,
    )


_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
_FUNCTION = {"functionName": "orders"}

POSITIVE: dict[SecurityDetection, dict[str, Case]] = {
    D.EC2_PASSWORD_DATA_READ: {
        "password read": lambda: _read("ec2", "GetPasswordData"),
        "password read refused": lambda: _read(
            "ec2", "GetPasswordData", errorCode="Client.UnauthorizedOperation"
        ),
    },
    D.INSTANCE_CREDENTIALS_OUTSIDE: {
        "read from an unknown IPv4": _instance_call("192.0.2.44"),
        "write from an unknown IPv6": lambda: changed(
            _instance_call("2001:db8::1")(), {"readOnly": False, "eventName": "PutObject"}
        ),
        "next to the listed block": _instance_call("203.0.114.9"),
    },
    D.DNS_QUERY_LOGGING_REMOVED: {
        "config deleted": lambda: api_call("route53resolver", "DeleteResolverQueryLogConfig"),
        "VPC detached": lambda: api_call("route53resolver", "DisassociateResolverQueryLogConfig"),
    },
    D.PUBLIC_DNS_QUERY_LOGGING_REMOVED: {
        "config deleted": lambda: api_call("route53", "DeleteQueryLoggingConfig"),
        "deletion refused": lambda: api_call(
            "route53", "DeleteQueryLoggingConfig", errorCode="AccessDenied"
        ),
    },
    D.FLOW_LOGS_DELETED: {
        "flow logs deleted": lambda: api_call("ec2", "DeleteFlowLogs"),
        "deletion refused": lambda: api_call("ec2", "DeleteFlowLogs", errorCode="AccessDenied"),
    },
    D.CONFIG_RECORDING_STOPPED: {
        "recorder stopped": lambda: api_call("config", "StopConfigurationRecorder"),
        "recorder deleted": lambda: api_call("config", "DeleteConfigurationRecorder"),
        "channel deleted": lambda: api_call("config", "DeleteDeliveryChannel"),
    },
    D.ORGANIZATION_LEFT: {
        "left": lambda: api_call("organizations", "LeaveOrganization"),
        "left as root": lambda: api_call(
            "organizations", "LeaveOrganization", userIdentity__type="Root"
        ),
    },
    D.USER_DATA_READ: {
        "user data read": lambda: _read(
            "ec2", "DescribeInstanceAttribute", requestParameters={"attribute": "userData"}
        ),
        "read by an instance role": lambda: _read(
            "ec2",
            "DescribeInstanceAttribute",
            requestParameters={"instanceId": "i-0123456789abcdef0", "attribute": "userData"},
            userIdentity=_INSTANCE_ROLE,
        ),
    },
    D.USER_DATA_CHANGED: {
        "user data as a value": _params(
            "ec2", "ModifyInstanceAttribute", {"userData": {"value": "<sensitiveDataRemoved>"}}
        ),
        "user data as text": _params(
            "ec2", "ModifyInstanceAttribute", {"userData": "<sensitiveDataRemoved>"}
        ),
        "attribute form": _params(
            "ec2", "ModifyInstanceAttribute", {"attribute": "userData", "value": "IyEvYmlu"}
        ),
    },
    D.SSM_SEND_COMMAND: {
        "shell script": _params("ssm", "SendCommand", {"documentName": "AWS-RunShellScript"}),
        "refused": lambda: api_call("ssm", "SendCommand", errorCode="AccessDeniedException"),
    },
    D.SSM_START_SESSION: {
        "session": _params("ssm", "StartSession", {"target": "i-0123456789abcdef0"}),
        "port forwarding": _params(
            "ssm", "StartSession", {"documentName": "AWS-StartPortForwardingSession"}
        ),
    },
    D.UNUSUAL_INSTANCE_TYPE: {
        "p4d": _params("ec2", "RunInstances", {"instanceType": "p4d.24xlarge"}),
        "g5": _params("ec2", "RunInstances", {"instanceType": "g5.xlarge"}),
        "x2idn": _params("ec2", "RunInstances", {"instanceType": "x2idn.16xlarge"}),
    },
    D.AMI_SHARED: {
        "with an account": _params(
            "ec2", "ModifyImageAttribute", _shared("launchPermission", {"userId": "210987654321"})
        ),
        "public": _params(
            "ec2", "ModifyImageAttribute", _shared("launchPermission", {"group": "all"})
        ),
        "with an organization": _params(
            "ec2",
            "ModifyImageAttribute",
            _shared(
                "launchPermission",
                {"organizationArn": "arn:aws:organizations::210987654321:organization/o-x"},
            ),
        ),
    },
    D.EBS_SNAPSHOT_SHARED: {
        "with an account": _params(
            "ec2",
            "ModifySnapshotAttribute",
            _shared("createVolumePermission", {"userId": "210987654321"}),
        ),
        "public": _params(
            "ec2", "ModifySnapshotAttribute", _shared("createVolumePermission", {"group": "all"})
        ),
    },
    D.RDS_SNAPSHOT_SHARED: {
        "public": _params(
            "rds",
            "ModifyDBSnapshotAttribute",
            {"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToAdd": ["all"]},
        ),
        "cluster snapshot to an account": _params(
            "rds",
            "ModifyDBClusterSnapshotAttribute",
            {"attributeName": "restore", "valuesToAdd": ["210987654321"]},
        ),
    },
    D.REMOTE_ADMIN_PORT_OPENED: {
        "SSH to 0.0.0.0/0": _params(
            "ec2",
            "AuthorizeSecurityGroupIngress",
            _ingress(_permission("tcp", (22, 22), "0.0.0.0/0")),
        ),
        "RDP to ::/0": _params(
            "ec2",
            "AuthorizeSecurityGroupIngress",
            _ingress(_permission("tcp", (3389, 3389), "::/0")),
        ),
        "every port": _params(
            "ec2",
            "AuthorizeSecurityGroupIngress",
            _ingress(_permission("tcp", (0, 65535), "0.0.0.0/0")),
        ),
        "every protocol": _params(
            "ec2", "AuthorizeSecurityGroupIngress", _ingress(_permission("-1", None, "0.0.0.0/0"))
        ),
        "second permission": _params(
            "ec2",
            "AuthorizeSecurityGroupIngress",
            _ingress(
                _permission("tcp", (443, 443), "0.0.0.0/0"),
                _permission("tcp", (22, 22), "0.0.0.0/0"),
            ),
        ),
    },
    D.INSTANCE_CONNECT_KEY_PUSHED: {
        "key pushed": _params(
            "ec2-instance-connect", "SendSSHPublicKey", {"instanceOSUser": "ec2-user"}
        ),
        "refused": lambda: api_call(
            "ec2-instance-connect", "SendSSHPublicKey", errorCode="AccessDenied"
        ),
    },
    D.SERIAL_CONSOLE_KEY_PUSHED: {
        "key pushed": lambda: api_call("ec2-instance-connect", "SendSerialConsoleSSHPublicKey"),
        "port 0": _params(
            "ec2-instance-connect", "SendSerialConsoleSSHPublicKey", {"serialPort": 0}
        ),
    },
    D.ROLE_TRUST_POLICY_CHANGED: {
        "trust changed": _params("iam", "UpdateAssumeRolePolicy", {"roleName": "Deploy"}),
        "by a role": lambda: api_call("iam", "UpdateAssumeRolePolicy", userIdentity=_INSTANCE_ROLE),
    },
    D.ACCESS_KEY_FOR_NAMED_USER: {
        "for Bob": _params("iam", "CreateAccessKey", {"userName": "Bob"}),
        "by a role": lambda: api_call(
            "iam",
            "CreateAccessKey",
            requestParameters={"userName": "Bob"},
            userIdentity=_INSTANCE_ROLE,
        ),
    },
    D.ADMIN_POLICY_ATTACHED: {
        "user": _params("iam", "AttachUserPolicy", {"userName": "Bob", "policyArn": _ADMIN}),
        "role": _params("iam", "AttachRolePolicy", {"roleName": "Ci", "policyArn": _ADMIN}),
        "group, GovCloud": _params(
            "iam",
            "AttachGroupPolicy",
            {"policyArn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"},
        ),
    },
    D.LOGIN_PROFILE_CHANGED: {
        "created": _params("iam", "CreateLoginProfile", {"userName": "Bob"}),
        "reset": _params("iam", "UpdateLoginProfile", {"userName": "Bob"}),
    },
    D.ROLES_ANYWHERE_TRUST_ANCHOR: {
        "created": lambda: api_call("rolesanywhere", "CreateTrustAnchor"),
        "changed": lambda: api_call("rolesanywhere", "UpdateTrustAnchor"),
    },
    D.FEDERATION_TOKEN_ISSUED: {
        "issued": _params("sts", "GetFederationToken", {"name": "Bob", "durationSeconds": 129600}),
        "read-only record": lambda: _read("sts", "GetFederationToken"),
    },
    D.LAMBDA_CODE_UPDATED: {
        "versioned event name": _params("lambda", "UpdateFunctionCode20150331v2", _FUNCTION),
        "plain event name": _params("lambda", "UpdateFunctionCode", _FUNCTION),
    },
    D.LAMBDA_LAYER_ADDED: {
        "layer set": _params(
            "lambda",
            "UpdateFunctionConfiguration20150331v2",
            {**_FUNCTION, "layers": ["arn:aws:lambda:eu-west-1:210987654321:layer:x:1"]},
        ),
        "two layers": _params(
            "lambda", "UpdateFunctionConfiguration", {"layers": ["arn:a:1", "arn:b:2"]}
        ),
    },
    D.LAMBDA_MADE_PUBLIC: {
        "policy for everyone": _params(
            "lambda", "AddPermission20150331v2", {**_FUNCTION, "principal": "*"}
        ),
        "URL without auth": _params(
            "lambda", "CreateFunctionUrlConfig20211031", {"authType": "NONE"}
        ),
        "URL auth removed": _params(
            "lambda", "UpdateFunctionUrlConfig20211031", {"authType": "NONE"}
        ),
    },
    D.BEDROCK_UNUSUAL_PRINCIPAL: {
        "IAM user": _bedrock(
            "InvokeModel", "arn:aws:iam::123456789012:user/Mallory", readOnly=True
        ),
        "other role": _bedrock("Converse", "arn:aws:sts::123456789012:assumed-role/Other/s"),
        "stream": _bedrock(
            "InvokeModelWithResponseStream", "arn:aws:sts::210987654321:assumed-role/ChatApp/s"
        ),
    },
}

NEGATIVE: dict[SecurityDetection, dict[str, Case]] = {
    D.EC2_PASSWORD_DATA_READ: {
        "instances described": lambda: _read("ec2", "DescribeInstances"),
        "console output read": lambda: _read("ec2", "GetConsoleOutput"),
    },
    D.INSTANCE_CREDENTIALS_OUTSIDE: {
        "from the listed NAT block": _instance_call("203.0.113.25"),
        "from the listed address": _instance_call("198.51.100.7"),
        "through a VPC endpoint": _instance_call("10.0.1.5", vpcEndpointId="vpce-0123456789"),
        "by an AWS service": _instance_call("ec2.amazonaws.com"),
        "a person's role session": lambda: changed(
            _instance_call("192.0.2.44")(),
            {"userIdentity.sessionContext.ec2RoleDelivery": delete()},
        ),
    },
    D.DNS_QUERY_LOGGING_REMOVED: {
        "config created": lambda: api_call("route53resolver", "CreateResolverQueryLogConfig"),
        "configs listed": lambda: _read("route53resolver", "ListResolverQueryLogConfigs"),
    },
    D.PUBLIC_DNS_QUERY_LOGGING_REMOVED: {
        "config created": lambda: api_call("route53", "CreateQueryLoggingConfig"),
        "resolver config deleted": lambda: api_call(
            "route53resolver", "DeleteResolverQueryLogConfig"
        ),
    },
    D.FLOW_LOGS_DELETED: {
        "flow logs created": lambda: api_call("ec2", "CreateFlowLogs"),
        "flow logs described": lambda: _read("ec2", "DescribeFlowLogs"),
    },
    D.CONFIG_RECORDING_STOPPED: {
        "recorder started": lambda: api_call("config", "StartConfigurationRecorder"),
        "recorder changed": lambda: api_call("config", "PutConfigurationRecorder"),
    },
    D.ORGANIZATION_LEFT: {
        "account removed by the management account": lambda: api_call(
            "organizations", "RemoveAccountFromOrganization"
        ),
        "organization described": lambda: _read("organizations", "DescribeOrganization"),
    },
    D.USER_DATA_READ: {
        "instance type read": lambda: _read(
            "ec2", "DescribeInstanceAttribute", requestParameters={"attribute": "instanceType"}
        ),
        "user data changed (not read)": _params(
            "ec2", "ModifyInstanceAttribute", {"attribute": "userData"}
        ),
    },
    D.USER_DATA_CHANGED: {
        "instance type changed": _params(
            "ec2", "ModifyInstanceAttribute", {"instanceType": {"value": "t3.large"}}
        ),
        "user data read": lambda: _read(
            "ec2", "DescribeInstanceAttribute", requestParameters={"attribute": "userData"}
        ),
    },
    D.SSM_SEND_COMMAND: {
        "commands listed": lambda: _read("ssm", "ListCommands"),
        "command cancelled": lambda: api_call("ssm", "CancelCommand"),
    },
    D.SSM_START_SESSION: {
        "session ended": lambda: api_call("ssm", "TerminateSession"),
        "sessions described": lambda: _read("ssm", "DescribeSessions"),
    },
    D.UNUSUAL_INSTANCE_TYPE: {
        "t3.micro": _params("ec2", "RunInstances", {"instanceType": "t3.micro"}),
        "m5.large": _params("ec2", "RunInstances", {"instanceType": "m5.large"}),
        "type only in a launch template (documented limit)": _params(
            "ec2", "RunInstances", {"launchTemplate": {"launchTemplateId": "lt-0abc"}}
        ),
    },
    D.AMI_SHARED: {
        "sharing removed": _params(
            "ec2",
            "ModifyImageAttribute",
            _shared("launchPermission", {"userId": "210987654321"}, action="remove"),
        ),
        "description changed": _params(
            "ec2", "ModifyImageAttribute", {"imageId": "ami-0abc", "description": {"value": "x"}}
        ),
    },
    D.EBS_SNAPSHOT_SHARED: {
        "sharing removed": _params(
            "ec2",
            "ModifySnapshotAttribute",
            _shared("createVolumePermission", {"group": "all"}, action="remove"),
        ),
        "AMI shared (other call)": _params(
            "ec2", "ModifyImageAttribute", _shared("launchPermission", {"group": "all"})
        ),
    },
    D.RDS_SNAPSHOT_SHARED: {
        "sharing removed": _params(
            "rds",
            "ModifyDBSnapshotAttribute",
            {"attributeName": "restore", "valuesToRemove": ["all"]},
        ),
        "nothing added": _params(
            "rds", "ModifyDBSnapshotAttribute", {"attributeName": "restore", "valuesToAdd": []}
        ),
    },
    D.REMOTE_ADMIN_PORT_OPENED: {
        "SSH from a private block": _params(
            "ec2",
            "AuthorizeSecurityGroupIngress",
            _ingress(_permission("tcp", (22, 22), "10.0.0.0/8")),
        ),
        "HTTPS to the internet": _params(
            "ec2",
            "AuthorizeSecurityGroupIngress",
            _ingress(_permission("tcp", (443, 443), "0.0.0.0/0")),
        ),
        "SSH private and HTTPS public, in two permissions": _params(
            "ec2",
            "AuthorizeSecurityGroupIngress",
            _ingress(
                _permission("tcp", (22, 22), "10.0.0.0/8"),
                _permission("tcp", (443, 443), "0.0.0.0/0"),
            ),
        ),
        "egress (not ingress)": _params(
            "ec2",
            "AuthorizeSecurityGroupEgress",
            _ingress(_permission("tcp", (22, 22), "0.0.0.0/0")),
        ),
    },
    D.INSTANCE_CONNECT_KEY_PUSHED: {
        "serial console key (other rule)": lambda: api_call(
            "ec2-instance-connect", "SendSerialConsoleSSHPublicKey"
        ),
        "endpoint created": lambda: api_call("ec2", "CreateInstanceConnectEndpoint"),
    },
    D.SERIAL_CONSOLE_KEY_PUSHED: {
        "instance connect key (other rule)": lambda: api_call(
            "ec2-instance-connect", "SendSSHPublicKey"
        ),
        "access status read": lambda: _read("ec2", "GetSerialConsoleAccessStatus"),
    },
    D.ROLE_TRUST_POLICY_CHANGED: {
        "role read": lambda: _read("iam", "GetRole"),
        "role description changed": lambda: api_call("iam", "UpdateRole"),
    },
    D.ACCESS_KEY_FOR_NAMED_USER: {
        "own key, no parameters": lambda: api_call(
            "iam", "CreateAccessKey", requestParameters=None
        ),
        "own key, empty parameters": _params("iam", "CreateAccessKey", {}),
        "key deactivated": _params("iam", "UpdateAccessKey", {"userName": "Bob"}),
    },
    D.ADMIN_POLICY_ATTACHED: {
        "read-only access": _params(
            "iam", "AttachUserPolicy", {"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
        ),
        "a customer policy of that name": _params(
            "iam",
            "AttachUserPolicy",
            {"policyArn": "arn:aws:iam::123456789012:policy/AdministratorAccess"},
        ),
        "administrator detached": _params("iam", "DetachUserPolicy", {"policyArn": _ADMIN}),
    },
    D.LOGIN_PROFILE_CHANGED: {
        "password removed": _params("iam", "DeleteLoginProfile", {"userName": "Bob"}),
        "profile read": lambda: _read("iam", "GetLoginProfile"),
    },
    D.ROLES_ANYWHERE_TRUST_ANCHOR: {
        "anchors listed": lambda: _read("rolesanywhere", "ListTrustAnchors"),
        "profile created": lambda: api_call("rolesanywhere", "CreateProfile"),
    },
    D.FEDERATION_TOKEN_ISSUED: {
        "session token": lambda: _read("sts", "GetSessionToken"),
        "role assumed (the sample)": lambda: sample("09"),
    },
    D.LAMBDA_CODE_UPDATED: {
        "configuration changed": _params(
            "lambda", "UpdateFunctionConfiguration20150331v2", _FUNCTION
        ),
        "function read": lambda: _read("lambda", "GetFunction20150331v2"),
    },
    D.LAMBDA_LAYER_ADDED: {
        "environment changed": _params(
            "lambda", "UpdateFunctionConfiguration20150331v2", {"environment": {}}
        ),
        "layer published": lambda: api_call("lambda", "PublishLayerVersion20181031"),
    },
    D.LAMBDA_MADE_PUBLIC: {
        "permission for a service": _params(
            "lambda", "AddPermission20150331v2", {"principal": "s3.amazonaws.com"}
        ),
        "URL with IAM auth": _params(
            "lambda", "CreateFunctionUrlConfig20211031", {"authType": "AWS_IAM"}
        ),
        "principal * on a URL call with IAM auth": _params(
            "lambda",
            "CreateFunctionUrlConfig20211031",
            {"authType": "AWS_IAM", "principal": "*"},
        ),
    },
    D.BEDROCK_UNUSUAL_PRINCIPAL: {
        "the allowed role": _bedrock(
            "InvokeModel", "arn:aws:sts::123456789012:assumed-role/ChatApp/s1", readOnly=True
        ),
        "allowed role, Converse": _bedrock(
            "Converse", "arn:aws:sts::123456789012:assumed-role/ChatApp/worker"
        ),
        "models listed": _bedrock(
            "ListFoundationModels", "arn:aws:iam::123456789012:user/Mallory", readOnly=True
        ),
    },
}


def _cases(table: dict[SecurityDetection, dict[str, Case]]) -> list[Any]:
    return [
        pytest.param(detection, build, id=f"{detection.value}-{name}")
        for detection, cases in table.items()
        for name, build in cases.items()
    ]


def test_every_attack_rule_has_positives_and_near_misses() -> None:
    attacks = {spec.detection for spec in ATTACKS}
    assert set(POSITIVE) == set(NEGATIVE) == attacks
    for detection in attacks:
        assert len(POSITIVE[detection]) >= 2, detection
        assert len(NEGATIVE[detection]) >= 2, detection


@pytest.mark.parametrize(("detection", "build"), _cases(POSITIVE))
def test_attack_rule_fires(catalogue: Catalogue, detection: SecurityDetection, build: Case) -> None:
    assert catalogue.fires(detection.value, build())


@pytest.mark.parametrize(("detection", "build"), _cases(NEGATIVE))
def test_attack_rule_stays_quiet(
    catalogue: Catalogue, detection: SecurityDetection, build: Case
) -> None:
    assert not catalogue.fires(detection.value, build())


def test_a_read_only_call_needs_the_rule_state_that_receives_it(catalogue: Catalogue) -> None:
    # GIVEN a rule built for read-only calls, and a copy of it in the plain ENABLED state
    resources = catalogue.template["Resources"]
    rule = resources[catalogue.ids[D.EC2_PASSWORD_DATA_READ.value]]
    assert rule["Properties"]["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    plain = {**rule, "Properties": {**rule["Properties"], "State": "ENABLED"}}
    detections = DetectionSet.from_template({"Resources": {"Plain": plain}})
    # WHEN the same read-only record goes through both
    record = _read("ec2", "GetPasswordData")
    # THEN only the rule in the read-only state sees it (EventBridge's delivery rule)
    assert catalogue.fires(D.EC2_PASSWORD_DATA_READ.value, record)
    assert detections.evaluate([record]).fired("Plain") == []
