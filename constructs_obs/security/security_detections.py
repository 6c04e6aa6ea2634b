"""The security detections of SecurityEventRules: EventBridge patterns on CloudTrail events.

CloudTrail sends each management event to EventBridge as "AWS API Call via CloudTrail" (or
"AWS Console Sign In via CloudTrail" for sign-ins) with the record in ``detail``; these
patterns match the events that matter for security. Events of global services (IAM,
Organizations, console sign-in through the global endpoint) arrive in us-east-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

__all__ = [
    "ALL_SECURITY_DETECTIONS",
    "GLOBAL_SERVICE_DETECTIONS",
    "SECURITY_DETECTIONS",
    "SecurityDetection",
    "SecurityDetectionSpec",
]

API_CALL = "AWS API Call via CloudTrail"
SIGN_IN = "AWS Console Sign In via CloudTrail"


class SecurityDetection(Enum):
    """One security detection (one EventBridge rule)."""

    ROOT_ACCOUNT_USAGE = "root-account-usage"
    CONSOLE_SIGNIN_WITHOUT_MFA = "console-signin-without-mfa"
    CONSOLE_AUTHENTICATION_FAILURES = "console-authentication-failures"
    IAM_POLICY_CHANGES = "iam-policy-changes"
    IAM_USER_AND_ACCESS_KEY_CHANGES = "iam-user-and-access-key-changes"
    CLOUDTRAIL_TAMPERING = "cloudtrail-tampering"
    KMS_KEY_DISABLE_OR_DELETION = "kms-key-disable-or-deletion"
    S3_BUCKET_POLICY_CHANGES = "s3-bucket-policy-changes"
    SECURITY_GROUP_CHANGES = "security-group-changes"
    NACL_CHANGES = "nacl-changes"
    ROUTE_TABLE_CHANGES = "route-table-changes"
    NETWORK_GATEWAY_CHANGES = "network-gateway-changes"
    VPC_CHANGES = "vpc-changes"
    ORGANIZATIONS_CHANGES = "organizations-changes"
    SECURITY_SERVICES_DISABLED = "guardduty-or-security-hub-disabled"


@dataclass(frozen=True)
class SecurityDetectionSpec:
    detection: SecurityDetection
    title: str
    pattern: dict[str, Any]
    global_service: bool = False
    """Its events arrive only in us-east-1 (IAM, Organizations, global sign-in)."""
    read_only_events: bool = False
    """It must also see read-only API calls (Get*, List*, Describe*): EventBridge delivers
    those to a default-bus rule only in the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS."""


def _api_calls(source: str, *event_names: str) -> dict[str, Any]:
    return {
        "source": [source],
        "detail-type": [API_CALL],
        "detail": {"eventName": list(event_names)},
    }


SECURITY_DETECTIONS: Final[dict[SecurityDetection, SecurityDetectionSpec]] = {
    spec.detection: spec
    for spec in (
        SecurityDetectionSpec(
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
        ),
        SecurityDetectionSpec(
            SecurityDetection.CONSOLE_SIGNIN_WITHOUT_MFA,
            "A console sign-in succeeded without MFA",
            {
                "source": ["aws.signin"],
                "detail-type": [SIGN_IN],
                "detail": {
                    "eventName": ["ConsoleLogin"],
                    "userIdentity": {"type": ["IAMUser", "Root"]},
                    "additionalEventData": {"MFAUsed": [{"anything-but": "Yes"}]},
                    "responseElements": {"ConsoleLogin": ["Success"]},
                },
            },
            global_service=True,
        ),
        SecurityDetectionSpec(
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
            global_service=True,
        ),
        SecurityDetectionSpec(
            SecurityDetection.IAM_POLICY_CHANGES,
            "An IAM policy was created, changed, attached or detached",
            _api_calls(
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
        ),
        SecurityDetectionSpec(
            SecurityDetection.IAM_USER_AND_ACCESS_KEY_CHANGES,
            "An IAM user, its console password, MFA or access keys changed",
            _api_calls(
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
        ),
        SecurityDetectionSpec(
            SecurityDetection.CLOUDTRAIL_TAMPERING,
            "CloudTrail logging was stopped, deleted or reconfigured",
            _api_calls(
                "aws.cloudtrail",
                "StopLogging",
                "DeleteTrail",
                "UpdateTrail",
                "PutEventSelectors",
                "PutInsightSelectors",
                "DeleteEventDataStore",
                "StopEventDataStoreIngestion",
            ),
        ),
        SecurityDetectionSpec(
            SecurityDetection.KMS_KEY_DISABLE_OR_DELETION,
            "A KMS key was disabled or scheduled for deletion",
            _api_calls("aws.kms", "DisableKey", "ScheduleKeyDeletion"),
        ),
        SecurityDetectionSpec(
            SecurityDetection.S3_BUCKET_POLICY_CHANGES,
            "An S3 bucket policy, ACL or public access block changed",
            _api_calls(
                "aws.s3",
                "PutBucketPolicy",
                "DeleteBucketPolicy",
                "PutBucketAcl",
                "PutBucketPublicAccessBlock",
                "DeleteBucketPublicAccessBlock",
                "PutAccountPublicAccessBlock",
                "DeleteAccountPublicAccessBlock",
            ),
        ),
        SecurityDetectionSpec(
            SecurityDetection.SECURITY_GROUP_CHANGES,
            "A security group or its rules changed",
            _api_calls(
                "aws.ec2",
                "AuthorizeSecurityGroupIngress",
                "AuthorizeSecurityGroupEgress",
                "RevokeSecurityGroupIngress",
                "RevokeSecurityGroupEgress",
                "CreateSecurityGroup",
                "DeleteSecurityGroup",
                "ModifySecurityGroupRules",
            ),
        ),
        SecurityDetectionSpec(
            SecurityDetection.NACL_CHANGES,
            "A network ACL changed",
            _api_calls(
                "aws.ec2",
                "CreateNetworkAcl",
                "CreateNetworkAclEntry",
                "DeleteNetworkAcl",
                "DeleteNetworkAclEntry",
                "ReplaceNetworkAclEntry",
                "ReplaceNetworkAclAssociation",
            ),
        ),
        SecurityDetectionSpec(
            SecurityDetection.ROUTE_TABLE_CHANGES,
            "A route table or route changed",
            _api_calls(
                "aws.ec2",
                "CreateRoute",
                "CreateRouteTable",
                "ReplaceRoute",
                "ReplaceRouteTableAssociation",
                "DeleteRouteTable",
                "DeleteRoute",
                "DisassociateRouteTable",
            ),
        ),
        SecurityDetectionSpec(
            SecurityDetection.NETWORK_GATEWAY_CHANGES,
            "An internet, NAT or customer gateway changed",
            _api_calls(
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
        ),
        SecurityDetectionSpec(
            SecurityDetection.VPC_CHANGES,
            "A VPC, its attributes or peering changed",
            _api_calls(
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
        ),
        SecurityDetectionSpec(
            SecurityDetection.ORGANIZATIONS_CHANGES,
            "AWS Organizations changed (accounts, OUs, policies, handshakes)",
            _api_calls(
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
        ),
        SecurityDetectionSpec(
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
        ),
    )
}

ALL_SECURITY_DETECTIONS: Final = tuple(SecurityDetection)
#: Detections whose events arrive in us-east-1 only (IAM, Organizations, global sign-in).
GLOBAL_SERVICE_DETECTIONS: Final = tuple(
    d for d in SecurityDetection if SECURITY_DETECTIONS[d].global_service
)
