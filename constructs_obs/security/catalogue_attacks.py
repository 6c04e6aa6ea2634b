"""The attack techniques of the catalogue: EventBridge rules keyed on API calls and parameters.

Every pattern names the CloudTrail ``eventSource`` and ``eventName`` and, where a call is
harmless in general and dangerous with one parameter, that parameter
(``requestParameters``); none keys on a resource name. What EventBridge cannot express is
said next to the entry:

* patterns cannot compare two fields of one event: "an access key for *another* user" is an
  access key created for a user named in the request (naming oneself fires too);
* ``anything-but`` takes no ``cidr``: instance credentials used "outside" means outside the
  addresses the user lists (exact addresses or wildcards such as ``203.0.113.*``);
* a policy document is a string in CloudTrail: "administrator access" means the AWS managed
  ``AdministratorAccess`` policy attached, not an inline ``"Action": "*"``;
* an instance type set only in a launch template does not appear in ``RunInstances``.

Lambda's CloudTrail event names carry the API version (``UpdateFunctionCode20150331v2``):
those patterns match the operation by ``prefix``.
"""

from __future__ import annotations

from typing import Any, Final

from constructs_obs.alarms.severity import Severity
from constructs_obs.security.detection_spec import (
    API_CALL,
    AttackTactic,
    SecurityDetection,
    SecurityDetectionSpec,
    Setting,
    api_calls,
)

__all__ = ["ATTACKS"]

_CRITICAL, _WARNING = Severity.CRITICAL, Severity.WARNING
_D = SecurityDetection
_T = AttackTactic
_EXISTS: Final = [{"exists": True}]
_IAM: Final = "iam.amazonaws.com"
_EC2: Final = "ec2.amazonaws.com"
_LAMBDA: Final = "lambda.amazonaws.com"


def _shared(permission: str) -> dict[str, Any]:
    """``requestParameters`` of an EC2 attribute change that adds a permission for another
    account, an organization or unit, or everyone (``group: all``)."""
    return {
        permission: {
            "add": {
                "items": {
                    "$or": [
                        {"userId": _EXISTS},
                        {"group": ["all"]},
                        {"organizationArn": _EXISTS},
                        {"organizationalUnitArn": _EXISTS},
                    ]
                }
            }
        }
    }


def _open_to_internet() -> dict[str, Any]:
    """``requestParameters`` of AuthorizeSecurityGroupIngress opening TCP 22 or 3389 (or
    every protocol) to 0.0.0.0/0 or ::/0, within one permission."""
    anywhere = [
        {"ipRanges": {"items": {"cidrIp": ["0.0.0.0/0"]}}},
        {"ipv6Ranges": {"items": {"cidrIpv6": ["::/0"]}}},
    ]
    ports = [
        {
            "ipProtocol": ["tcp", "6"],
            "fromPort": [{"numeric": ["<=", port]}],
            "toPort": [{"numeric": [">=", port]}],
        }
        for port in (22, 3389)
    ]
    ports.append({"ipProtocol": ["-1"]})
    branches = [{**port, **cidr} for port in ports for cidr in anywhere]
    return {"ipPermissions": {"items": {"$or": branches}}}


_CREDENTIAL_ACCESS: Final = (
    SecurityDetectionSpec(
        _D.EC2_PASSWORD_DATA_READ,
        "A Windows instance's encrypted administrator password was retrieved",
        api_calls(_EC2, "GetPasswordData"),
        _WARNING,
        _T.CREDENTIAL_ACCESS,
        ("T1552",),
        "Whoever holds the key pair can now sign in as Administrator: confirm the caller "
        "administers this instance.",
        read_only_events=True,
    ),
    SecurityDetectionSpec(
        _D.INSTANCE_CREDENTIALS_OUTSIDE,
        "An instance role's credentials were used from an address the instances do not use",
        {
            "detail-type": [API_CALL],
            "detail": {
                "userIdentity": {
                    "type": ["AssumedRole"],
                    "sessionContext": {"ec2RoleDelivery": _EXISTS},
                },
                "vpcEndpointId": [{"exists": False}],
                "sourceIPAddress": Setting("instance_egress"),
            },
        },
        _CRITICAL,
        _T.CREDENTIAL_ACCESS,
        ("T1552.005", "T1078.004"),
        "Credentials from the instance metadata service are being used elsewhere: revoke "
        "the role's active sessions and find how they left the instance.",
        read_only_events=True,
        required_setting="instance_egress_addresses",
    ),
)

_DEFENSE_EVASION: Final = (
    SecurityDetectionSpec(
        _D.DNS_QUERY_LOGGING_REMOVED,
        "Route 53 Resolver query logging was deleted or detached from a VPC",
        api_calls(
            "route53resolver.amazonaws.com",
            "DeleteResolverQueryLogConfig",
            "DisassociateResolverQueryLogConfig",
        ),
        _CRITICAL,
        _T.DEFENSE_EVASION,
        ("T1562.008",),
        "DNS queries of the VPC are no longer logged: restore the configuration.",
    ),
    SecurityDetectionSpec(
        _D.PUBLIC_DNS_QUERY_LOGGING_REMOVED,
        "Query logging of a Route 53 public hosted zone was deleted",
        # Route 53 is a global service: its calls are recorded in us-east-1 only.
        api_calls("route53.amazonaws.com", "DeleteQueryLoggingConfig"),
        _CRITICAL,
        _T.DEFENSE_EVASION,
        ("T1562.008",),
        "Queries to the public zone are no longer logged: restore the configuration.",
        global_service=True,
    ),
    SecurityDetectionSpec(
        _D.FLOW_LOGS_DELETED,
        "VPC flow logs were deleted",
        api_calls(_EC2, "DeleteFlowLogs"),
        _CRITICAL,
        _T.DEFENSE_EVASION,
        ("T1562.008",),
        "Network traffic of the VPC, subnet or interface is no longer logged: restore it.",
    ),
    SecurityDetectionSpec(
        _D.CONFIG_RECORDING_STOPPED,
        "AWS Config recording was stopped or its recorder or delivery channel deleted",
        api_calls(
            "config.amazonaws.com",
            "StopConfigurationRecorder",
            "DeleteConfigurationRecorder",
            "DeleteDeliveryChannel",
        ),
        _CRITICAL,
        _T.DEFENSE_EVASION,
        ("T1562.001",),
        "Resource changes are no longer recorded: restart the recorder.",
    ),
    SecurityDetectionSpec(
        _D.ORGANIZATION_LEFT,
        "The account left its AWS Organization",
        api_calls("organizations.amazonaws.com", "LeaveOrganization"),
        _CRITICAL,
        _T.DEFENSE_EVASION,
        ("T1666",),
        "The organization's SCPs, trails and guardrails no longer apply to this account.",
        global_service=True,
    ),
)

_DISCOVERY_AND_EXECUTION: Final = (
    SecurityDetectionSpec(
        _D.USER_DATA_READ,
        "An instance's user data was read",
        api_calls(_EC2, "DescribeInstanceAttribute", requestParameters={"attribute": ["userData"]}),
        _WARNING,
        _T.DISCOVERY,
        ("T1580", "T1552"),
        "User data often holds bootstrap secrets: confirm the caller needed it.",
        read_only_events=True,
    ),
    SecurityDetectionSpec(
        _D.USER_DATA_CHANGED,
        "An instance's user data was changed",
        api_calls(
            _EC2,
            "ModifyInstanceAttribute",
            requestParameters={
                "$or": [
                    {"userData": _EXISTS},
                    {"userData": {"value": _EXISTS}},
                    {"attribute": ["userData"]},
                ]
            },
        ),
        _WARNING,
        _T.EXECUTION,
        ("T1059.009",),
        "New user data runs as root at the instance's next start: review it before then.",
    ),
    SecurityDetectionSpec(
        _D.SSM_SEND_COMMAND,
        "A command was sent to instances through Systems Manager",
        api_calls("ssm.amazonaws.com", "SendCommand"),
        _WARNING,
        _T.EXECUTION,
        ("T1651",),
        "Commands run as root on the targets: confirm the document and the caller.",
    ),
    SecurityDetectionSpec(
        _D.SSM_START_SESSION,
        "A Session Manager shell was opened on an instance",
        api_calls("ssm.amazonaws.com", "StartSession"),
        _WARNING,
        _T.EXECUTION,
        ("T1651", "T1021.008"),
        "Confirm who opened the session and why.",
    ),
    SecurityDetectionSpec(
        _D.UNUSUAL_INSTANCE_TYPE,
        "Instances of an unusual type (GPU, accelerator, memory-optimized) were launched",
        api_calls(
            _EC2,
            "RunInstances",
            requestParameters={"instanceType": Setting("unusual_instance_types")},
        ),
        _WARNING,
        _T.EXECUTION,
        ("T1578.002", "T1496.001"),
        "Expensive instance families are what crypto-mining launches: confirm the workload.",
    ),
)

_EXFILTRATION: Final = (
    SecurityDetectionSpec(
        _D.AMI_SHARED,
        "An AMI was shared with another account, an organization or everyone",
        api_calls(_EC2, "ModifyImageAttribute", requestParameters=_shared("launchPermission")),
        _CRITICAL,
        _T.EXFILTRATION,
        ("T1537",),
        "Whoever may launch the image reads its disks: check the accounts it was shared with.",
    ),
    SecurityDetectionSpec(
        _D.EBS_SNAPSHOT_SHARED,
        "An EBS snapshot was shared with another account or made public",
        api_calls(
            _EC2, "ModifySnapshotAttribute", requestParameters=_shared("createVolumePermission")
        ),
        _CRITICAL,
        _T.EXFILTRATION,
        ("T1537",),
        "Whoever may create a volume from it reads the disk: check who it was shared with.",
    ),
    SecurityDetectionSpec(
        _D.RDS_SNAPSHOT_SHARED,
        "An RDS snapshot was shared with another account or made public",
        api_calls(
            "rds.amazonaws.com",
            "ModifyDBSnapshotAttribute",
            "ModifyDBClusterSnapshotAttribute",
            requestParameters={"attributeName": ["restore"], "valuesToAdd": _EXISTS},
        ),
        _CRITICAL,
        _T.EXFILTRATION,
        ("T1537",),
        "Whoever may restore the snapshot reads the database: check the accounts added.",
    ),
    SecurityDetectionSpec(
        _D.REMOTE_ADMIN_PORT_OPENED,
        "SSH or RDP was opened to the whole internet in a security group",
        api_calls(_EC2, "AuthorizeSecurityGroupIngress", requestParameters=_open_to_internet()),
        _CRITICAL,
        _T.EXFILTRATION,
        ("T1562.007",),
        "Port 22 or 3389 accepts connections from anywhere: restrict the rule's source.",
    ),
)

_LATERAL_MOVEMENT: Final = (
    SecurityDetectionSpec(
        _D.INSTANCE_CONNECT_KEY_PUSHED,
        "An SSH key was pushed to an instance through EC2 Instance Connect",
        api_calls("ec2-instance-connect.amazonaws.com", "SendSSHPublicKey"),
        _WARNING,
        _T.LATERAL_MOVEMENT,
        ("T1021.008",),
        "The key lets its holder sign in for 60 seconds: confirm the caller.",
    ),
    SecurityDetectionSpec(
        _D.SERIAL_CONSOLE_KEY_PUSHED,
        "An SSH key was pushed for an instance's serial console",
        api_calls("ec2-instance-connect.amazonaws.com", "SendSerialConsoleSSHPublicKey"),
        _CRITICAL,
        _T.LATERAL_MOVEMENT,
        ("T1021.008",),
        "The serial console bypasses the network and security groups: confirm the caller.",
    ),
)

_PERSISTENCE_IAM: Final = (
    SecurityDetectionSpec(
        _D.ROLE_TRUST_POLICY_CHANGED,
        "A role's trust policy was changed",
        api_calls(_IAM, "UpdateAssumeRolePolicy"),
        _WARNING,
        _T.PERSISTENCE,
        ("T1098.003",),
        "Check whom the role now trusts: a backdoored trust lets another account assume it.",
        global_service=True,
    ),
    SecurityDetectionSpec(
        _D.ACCESS_KEY_FOR_NAMED_USER,
        "An access key was created for a user named in the request",
        api_calls(_IAM, "CreateAccessKey", requestParameters={"userName": _EXISTS}),
        _WARNING,
        _T.PERSISTENCE,
        ("T1098.001",),
        "Check the caller is that user, or administers their keys.",
        global_service=True,
    ),
    SecurityDetectionSpec(
        _D.ADMIN_POLICY_ATTACHED,
        "The AdministratorAccess policy was attached to a user, group or role",
        api_calls(
            _IAM,
            "AttachUserPolicy",
            "AttachGroupPolicy",
            "AttachRolePolicy",
            requestParameters={
                "policyArn": [{"wildcard": "arn:aws*:iam::aws:policy/AdministratorAccess"}]
            },
        ),
        _CRITICAL,
        _T.PERSISTENCE,
        ("T1098.003",),
        "A new administrator exists: confirm the grant.",
        global_service=True,
    ),
    SecurityDetectionSpec(
        _D.LOGIN_PROFILE_CHANGED,
        "A user's console password was created or reset",
        api_calls(_IAM, "CreateLoginProfile", "UpdateLoginProfile"),
        _WARNING,
        _T.PERSISTENCE,
        ("T1098.001",),
        "Check the user asked for it: a new password opens the console to its holder.",
        global_service=True,
    ),
    SecurityDetectionSpec(
        _D.ROLES_ANYWHERE_TRUST_ANCHOR,
        "An IAM Roles Anywhere trust anchor was created or changed",
        api_calls("rolesanywhere.amazonaws.com", "CreateTrustAnchor", "UpdateTrustAnchor"),
        _CRITICAL,
        _T.PERSISTENCE,
        ("T1098.001",),
        "Certificates of the anchor's CA now obtain role credentials: check the CA.",
    ),
    SecurityDetectionSpec(
        _D.FEDERATION_TOKEN_ISSUED,
        "Federation token credentials were issued to an IAM user",
        api_calls("sts.amazonaws.com", "GetFederationToken"),
        _WARNING,
        _T.PERSISTENCE,
        ("T1098.001",),
        "Federation tokens outlive a deleted access key (up to 36 hours): confirm the use.",
        read_only_events=True,
    ),
)

_PERSISTENCE_LAMBDA: Final = (
    SecurityDetectionSpec(
        _D.LAMBDA_CODE_UPDATED,
        "A Lambda function's code was replaced",
        api_calls(_LAMBDA, {"prefix": "UpdateFunctionCode"}),
        _WARNING,
        _T.PERSISTENCE,
        ("T1648",),
        "Outside a deployment pipeline this is a backdoor: compare the code with the source.",
    ),
    SecurityDetectionSpec(
        _D.LAMBDA_LAYER_ADDED,
        "Layers were set on a Lambda function",
        api_calls(
            _LAMBDA,
            {"prefix": "UpdateFunctionConfiguration"},
            requestParameters={"layers": _EXISTS},
        ),
        _WARNING,
        _T.PERSISTENCE,
        ("T1648",),
        "A layer's code runs inside the function: check where each layer comes from.",
    ),
    SecurityDetectionSpec(
        _D.LAMBDA_MADE_PUBLIC,
        "A Lambda function was opened to everyone (resource policy or function URL)",
        {
            "detail-type": [API_CALL],
            "detail": {
                "eventSource": [_LAMBDA],
                "$or": [
                    {
                        "eventName": [{"prefix": "AddPermission"}],
                        "requestParameters": {"principal": ["*"]},
                    },
                    {
                        "eventName": [
                            {"prefix": "CreateFunctionUrlConfig"},
                            {"prefix": "UpdateFunctionUrlConfig"},
                        ],
                        "requestParameters": {"authType": ["NONE"]},
                    },
                ],
            },
        },
        _CRITICAL,
        _T.PERSISTENCE,
        ("T1648",),
        "Anyone may now invoke the function: restrict the policy or the URL's auth type.",
    ),
)

_IMPACT: Final = (
    SecurityDetectionSpec(
        _D.BEDROCK_UNUSUAL_PRINCIPAL,
        "A Bedrock model was invoked by a principal outside the allowed list",
        api_calls(
            "bedrock.amazonaws.com",
            "InvokeModel",
            "InvokeModelWithResponseStream",
            "Converse",
            "ConverseStream",
            userIdentity={"arn": Setting("bedrock_principals")},
        ),
        _CRITICAL,
        _T.IMPACT,
        ("T1496.004",),
        "Stolen credentials are used to run models at the account's cost: check the caller.",
        read_only_events=True,
        required_setting="bedrock_principals",
    ),
)

ATTACKS: Final[tuple[SecurityDetectionSpec, ...]] = (
    *_CREDENTIAL_ACCESS,
    *_DEFENSE_EVASION,
    *_DISCOVERY_AND_EXECUTION,
    *_EXFILTRATION,
    *_LATERAL_MOVEMENT,
    *_PERSISTENCE_IAM,
    *_PERSISTENCE_LAMBDA,
    *_IMPACT,
)
