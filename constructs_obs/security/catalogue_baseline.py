"""The baseline of the catalogue: root use, sign-ins, IAM, trail, key, bucket, network and
Organizations changes, security services disabled (the first release's rules).

Their patterns key on the EventBridge ``source`` and ``detail.eventName``. Console sign-in
without MFA compares ``MFAUsed`` ignoring case: AWS documents ``"Yes"`` for IAM users and
``"YES"`` for the root user.
"""

from __future__ import annotations

from typing import Any, Final

from constructs_obs.alarms.severity import Severity
from constructs_obs.security.detection_spec import (
    API_CALL,
    SIGN_IN,
    AttackTactic,
    SecurityDetection,
    SecurityDetectionSpec,
)

__all__ = ["BASELINE"]

_CRITICAL, _WARNING = Severity.CRITICAL, Severity.WARNING
_spec = SecurityDetectionSpec


def _source_calls(source: str, *event_names: str) -> dict[str, Any]:
    return {
        "source": [source],
        "detail-type": [API_CALL],
        "detail": {"eventName": list(event_names)},
    }


def _tampering(error_code: dict[str, Any]) -> dict[str, Any]:
    """The CloudTrail calls that stop, delete or narrow logging, with this ``errorCode``."""
    pattern = _source_calls(
        "aws.cloudtrail",
        "StopLogging",
        "DeleteTrail",
        "UpdateTrail",
        "PutEventSelectors",
        "PutInsightSelectors",
        "DeleteEventDataStore",
        "StopEventDataStoreIngestion",
    )
    pattern["detail"]["errorCode"] = [error_code]
    return pattern


BASELINE: Final[tuple[SecurityDetectionSpec, ...]] = (
    _spec(
        SecurityDetection.ROOT_ACCOUNT_USAGE,
        "The root user acted (API call or console sign-in)",
        {
            "detail-type": [API_CALL, SIGN_IN],
            "detail": {
                "userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]},
                "eventType": [{"anything-but": "AwsServiceEvent"}],
            },
        },
        read_only_events=True,
        every_region=True,
        severity=_CRITICAL,
        tactic=AttackTactic.INITIAL_ACCESS,
        attack=("T1078.004",),
        message=(
            "Root should sign in only for the few tasks that need it: confirm who holds the root "
            "credentials and why they were used."
        ),
    ),
    _spec(
        SecurityDetection.CONSOLE_SIGNIN_WITHOUT_MFA,
        "A console sign-in succeeded without MFA",
        {
            "source": ["aws.signin"],
            "detail-type": [SIGN_IN],
            "detail": {
                "eventName": ["ConsoleLogin"],
                "userIdentity": {"type": ["IAMUser", "Root"]},
                "additionalEventData": {
                    "MFAUsed": [{"anything-but": {"equals-ignore-case": "yes"}}]
                },
                "responseElements": {"ConsoleLogin": ["Success"]},
            },
        },
        every_region=True,
        severity=_CRITICAL,
        tactic=AttackTactic.INITIAL_ACCESS,
        attack=("T1078.004",),
        message=(
            "A password alone opened the console: confirm the sign-in with the user and require "
            "MFA for them."
        ),
    ),
    _spec(
        SecurityDetection.CONSOLE_AUTHENTICATION_FAILURES,
        "A console sign-in failed",
        {
            "source": ["aws.signin"],
            "detail-type": [SIGN_IN],
            "detail": {
                "eventName": ["ConsoleLogin"],
                "responseElements": {"ConsoleLogin": ["Failure"]},
            },
        },
        every_region=True,
        severity=_WARNING,
        tactic=AttackTactic.CREDENTIAL_ACCESS,
        attack=("T1110",),
        message=(
            "Repeated failures from one address suggest password guessing: check the source IP "
            "and the user."
        ),
    ),
    _spec(
        SecurityDetection.IAM_POLICY_CHANGES,
        "An IAM policy was created, changed, attached or detached",
        _source_calls(
            "aws.iam",
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "SetDefaultPolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
            "UpdateAssumeRolePolicy",
        ),
        global_service=True,
        severity=_WARNING,
        tactic=AttackTactic.PRIVILEGE_ESCALATION,
        attack=("T1098.003",),
        message=("Check that the policy change was planned and grants no more than it should."),
    ),
    _spec(
        SecurityDetection.IAM_USER_AND_ACCESS_KEY_CHANGES,
        "An IAM user, its console password, MFA or access keys changed",
        _source_calls(
            "aws.iam",
            "CreateUser",
            "DeleteUser",
            "CreateAccessKey",
            "UpdateAccessKey",
            "DeleteAccessKey",
            "CreateLoginProfile",
            "UpdateLoginProfile",
            "DeleteLoginProfile",
            "AddUserToGroup",
            "RemoveUserFromGroup",
            "DeactivateMFADevice",
            "DeleteVirtualMFADevice",
        ),
        global_service=True,
        severity=_WARNING,
        tactic=AttackTactic.PERSISTENCE,
        attack=("T1098.001", "T1136.003"),
        message=(
            "New users, keys and passwords are how access outlives an incident: confirm the change."
        ),
    ),
    # Only a call that succeeded (no errorCode) changed what the account records: that pages.
    # A failed one changed nothing; most failures are benign (an UpdateTrail on a renamed trail:
    # TrailNotFoundException, 1,643 of 1M benign records of the audit benchmark), but one that
    # was refused is someone trying to blind the trail without the rights: a warning.
    _spec(
        SecurityDetection.CLOUDTRAIL_TAMPERING,
        "CloudTrail logging was stopped, deleted or reconfigured",
        _tampering({"exists": False}),
        severity=_CRITICAL,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1562.008",),
        message=(
            "Someone changed what the account records: check the trail is logging and what it lost."
        ),
    ),
    _spec(
        SecurityDetection.CLOUDTRAIL_TAMPERING_DENIED,
        "A CloudTrail stop, deletion or reconfiguration was refused (access denied)",
        _tampering({"prefix": "AccessDenied"}),
        severity=_WARNING,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1562.008",),
        message=(
            "Someone without the rights tried to blind the trail: find out whose credentials "
            "made the call and what else they tried."
        ),
    ),
    _spec(
        SecurityDetection.KMS_KEY_DISABLE_OR_DELETION,
        "A KMS key was disabled or scheduled for deletion",
        _source_calls("aws.kms", "DisableKey", "ScheduleKeyDeletion"),
        severity=_CRITICAL,
        tactic=AttackTactic.IMPACT,
        attack=("T1485",),
        message=(
            "Data encrypted under the key becomes unreadable: cancel the deletion "
            "(CancelKeyDeletion) if unplanned."
        ),
    ),
    _spec(
        SecurityDetection.S3_BUCKET_POLICY_CHANGES,
        "An S3 bucket policy, ACL or public access block changed",
        _source_calls(
            "aws.s3",
            "PutBucketPolicy",
            "DeleteBucketPolicy",
            "PutBucketAcl",
            "PutBucketPublicAccessBlock",
            "DeleteBucketPublicAccessBlock",
            "PutAccountPublicAccessBlock",
            "DeleteAccountPublicAccessBlock",
        ),
        severity=_WARNING,
        tactic=AttackTactic.EXFILTRATION,
        attack=("T1537",),
        message=(
            "Check the bucket's new policy, ACL or public access block grants nobody outside the "
            "account."
        ),
    ),
    _spec(
        SecurityDetection.SECURITY_GROUP_CHANGES,
        "A security group or its rules changed",
        _source_calls(
            "aws.ec2",
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
            "ModifySecurityGroupRules",
        ),
        severity=_WARNING,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1562.007",),
        message=("Check the rule change opens nothing to the internet."),
    ),
    _spec(
        SecurityDetection.NACL_CHANGES,
        "A network ACL changed",
        _source_calls(
            "aws.ec2",
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ),
        severity=_WARNING,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1562.007",),
        message=("Check the network ACL change opens nothing to the internet."),
    ),
    _spec(
        SecurityDetection.ROUTE_TABLE_CHANGES,
        "A route table or route changed",
        _source_calls(
            "aws.ec2",
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ),
        severity=_WARNING,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1599",),
        message=("Check the route change sends no traffic where it should not go."),
    ),
    _spec(
        SecurityDetection.NETWORK_GATEWAY_CHANGES,
        "An internet, NAT or customer gateway changed",
        _source_calls(
            "aws.ec2",
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
            "CreateNatGateway",
            "DeleteNatGateway",
            "CreateEgressOnlyInternetGateway",
            "DeleteEgressOnlyInternetGateway",
        ),
        severity=_WARNING,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1599",),
        message=("Check the gateway change connects no network that should stay apart."),
    ),
    _spec(
        SecurityDetection.VPC_CHANGES,
        "A VPC, its attributes or peering changed",
        _source_calls(
            "aws.ec2",
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ),
        severity=_WARNING,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1599",),
        message=("Check the VPC or peering change connects no network that should stay apart."),
    ),
    _spec(
        SecurityDetection.ORGANIZATIONS_CHANGES,
        "AWS Organizations changed (accounts, OUs, policies, handshakes)",
        _source_calls(
            "aws.organizations",
            "AcceptHandshake",
            "AttachPolicy",
            "CancelHandshake",
            "CreateAccount",
            "CreateOrganization",
            "CreateOrganizationalUnit",
            "CreatePolicy",
            "DeclineHandshake",
            "DeleteOrganization",
            "DeleteOrganizationalUnit",
            "DeletePolicy",
            "DetachPolicy",
            "DisablePolicyType",
            "EnableAllFeatures",
            "EnablePolicyType",
            "InviteAccountToOrganization",
            "LeaveOrganization",
            "MoveAccount",
            "RemoveAccountFromOrganization",
            "UpdateOrganizationalUnit",
            "UpdatePolicy",
        ),
        global_service=True,
        severity=_CRITICAL,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1666",),
        message=(
            "Changes to accounts, OUs and policies reshape every guardrail: confirm the change."
        ),
    ),
    _spec(
        SecurityDetection.SECURITY_SERVICES_DISABLED,
        "GuardDuty or Security Hub was disabled or detached",
        {
            "source": ["aws.guardduty", "aws.securityhub"],
            "detail-type": [API_CALL],
            "detail": {
                "$or": [
                    {
                        "eventSource": ["guardduty.amazonaws.com"],
                        "eventName": [
                            "DeleteDetector",
                            "DisassociateFromMasterAccount",
                            "DisassociateFromAdministratorAccount",
                            "StopMonitoringMembers",
                            "DeleteMembers",
                        ],
                    },
                    {
                        "eventSource": ["guardduty.amazonaws.com"],
                        "eventName": ["UpdateDetector"],
                        "requestParameters": {"enable": [False]},
                    },
                    {
                        "eventSource": ["securityhub.amazonaws.com"],
                        "eventName": [
                            "DisableSecurityHub",
                            "BatchDisableStandards",
                            "DisassociateFromMasterAccount",
                            "DisassociateFromAdministratorAccount",
                            "DeleteMembers",
                        ],
                    },
                ]
            },
        },
        severity=_CRITICAL,
        tactic=AttackTactic.DEFENSE_EVASION,
        attack=("T1562.001",),
        message=("A threat detector went quiet: re-enable it and review what it saw before."),
    ),
)
