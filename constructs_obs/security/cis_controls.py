"""The CIS AWS Foundations Benchmark monitoring controls and their exact filter patterns.

Security Hub's CloudWatch.1-14 controls fail unless a metric filter on the trail's log group
uses exactly these patterns ("additional fields or terms cannot be added"), so they are kept
byte for byte as AWS's Security Hub user guide prints them. CIS 4.15 (Organizations changes)
has no Security Hub control; its pattern is the CIS v3.0 text. The two prowler variants add
what prowler's checks look for on top (an ``eventSource`` for route tables, three more event
names for Organizations): shipping them as extra filters satisfies both checkers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from constructs_obs.alarms.severity import Severity

__all__ = [
    "ALL_CIS_CONTROLS",
    "CIS_ATTACK_TECHNIQUES",
    "CIS_CONTROLS",
    "CisControl",
    "CisControlSpec",
]


class CisControl(Enum):
    """One monitoring control; the value is its Security Hub id (or CIS id without one)."""

    ROOT_USAGE = "CloudWatch.1"
    UNAUTHORIZED_API_CALLS = "CloudWatch.2"
    CONSOLE_SIGNIN_WITHOUT_MFA = "CloudWatch.3"
    IAM_POLICY_CHANGES = "CloudWatch.4"
    CLOUDTRAIL_CONFIGURATION_CHANGES = "CloudWatch.5"
    CONSOLE_AUTHENTICATION_FAILURES = "CloudWatch.6"
    CMK_DISABLE_OR_SCHEDULED_DELETION = "CloudWatch.7"
    S3_BUCKET_POLICY_CHANGES = "CloudWatch.8"
    CONFIG_CONFIGURATION_CHANGES = "CloudWatch.9"
    SECURITY_GROUP_CHANGES = "CloudWatch.10"
    NACL_CHANGES = "CloudWatch.11"
    NETWORK_GATEWAY_CHANGES = "CloudWatch.12"
    ROUTE_TABLE_CHANGES = "CloudWatch.13"
    VPC_CHANGES = "CloudWatch.14"
    ORGANIZATIONS_CHANGES = "CIS.4.15"
    ROUTE_TABLE_CHANGES_PROWLER = "prowler.route-tables"
    ORGANIZATIONS_CHANGES_PROWLER = "prowler.organizations"


@dataclass(frozen=True)
class CisControlSpec:
    control: CisControl
    cis: str
    title: str
    metric_name: str
    pattern: str
    severity: Severity


_ROUTES = (
    "($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || "
    "($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || "
    "($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || "
    "($.eventName = DisassociateRouteTable)"
)
_ORGANIZATIONS = (
    '($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || '
    '($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || '
    '($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || '
    '($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || '
    '($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || '
    '($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || '
    '($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || '
    '($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || '
    '($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")'
)
_CRITICAL, _WARNING = Severity.CRITICAL, Severity.WARNING

CIS_CONTROLS: Final[dict[CisControl, CisControlSpec]] = {
    spec.control: spec
    for spec in (
        CisControlSpec(
            CisControl.ROOT_USAGE,
            "4.3",
            "Usage of the root account",
            "RootAccountUsage",
            '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && '
            '$.eventType !="AwsServiceEvent"}',
            _CRITICAL,
        ),
        CisControlSpec(
            CisControl.UNAUTHORIZED_API_CALLS,
            "4.1",
            "Unauthorized API calls",
            "UnauthorizedApiCalls",
            '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
            _WARNING,
        ),
        CisControlSpec(
            CisControl.CONSOLE_SIGNIN_WITHOUT_MFA,
            "4.2",
            "Management console sign-in without MFA",
            "ConsoleSignInWithoutMfa",
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
            '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
            _CRITICAL,
        ),
        CisControlSpec(
            CisControl.IAM_POLICY_CHANGES,
            "4.4",
            "IAM policy changes",
            "IamPolicyChanges",
            "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || "
            "($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || "
            "($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || "
            "($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || "
            "($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || "
            "($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || "
            "($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || "
            "($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.CLOUDTRAIL_CONFIGURATION_CHANGES,
            "4.5",
            "CloudTrail configuration changes",
            "CloudTrailConfigurationChanges",
            "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || "
            "($.eventName=DeleteTrail) || ($.eventName=StartLogging) || "
            "($.eventName=StopLogging)}",
            # Warning, not critical: the pattern must stay Security Hub's exact string, and it
            # counts calls that changed nothing (a failed UpdateTrail, TrailNotFound) and routine
            # ones (CreateTrail, StartLogging) -- on the audit benchmark's benign corpus it fired
            # 3,275 times in 1M records. Security Hub itself rates CloudWatch.5 "Severity: Low".
            # The page for tampering comes from the catalogue's cloudtrail-tampering rule, which
            # keys on successful StopLogging, DeleteTrail, UpdateTrail and selector changes.
            _WARNING,
        ),
        CisControlSpec(
            CisControl.CONSOLE_AUTHENTICATION_FAILURES,
            "4.6",
            "Management console authentication failures",
            "ConsoleAuthenticationFailures",
            '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
            _WARNING,
        ),
        CisControlSpec(
            CisControl.CMK_DISABLE_OR_SCHEDULED_DELETION,
            "4.7",
            "Disabling or scheduled deletion of customer managed keys",
            "KmsKeyDisableOrDeletion",
            "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || "
            "($.eventName=ScheduleKeyDeletion))}",
            _CRITICAL,
        ),
        CisControlSpec(
            CisControl.S3_BUCKET_POLICY_CHANGES,
            "4.8",
            "S3 bucket policy changes",
            "S3BucketPolicyChanges",
            "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || "
            "($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || "
            "($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || "
            "($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || "
            "($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.CONFIG_CONFIGURATION_CHANGES,
            "4.9",
            "AWS Config configuration changes",
            "ConfigConfigurationChanges",
            "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || "
            "($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || "
            "($.eventName=PutConfigurationRecorder))}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.SECURITY_GROUP_CHANGES,
            "4.10",
            "Security group changes",
            "SecurityGroupChanges",
            "{($.eventName=AuthorizeSecurityGroupIngress) || "
            "($.eventName=AuthorizeSecurityGroupEgress) || "
            "($.eventName=RevokeSecurityGroupIngress) || "
            "($.eventName=RevokeSecurityGroupEgress) || "
            "($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.NACL_CHANGES,
            "4.11",
            "Network access control list changes",
            "NaclChanges",
            "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || "
            "($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || "
            "($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.NETWORK_GATEWAY_CHANGES,
            "4.12",
            "Network gateway changes",
            "NetworkGatewayChanges",
            "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || "
            "($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || "
            "($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.ROUTE_TABLE_CHANGES,
            "4.13",
            "Route table changes",
            "RouteTableChanges",
            "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || "
            "($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || "
            "($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || "
            "($.eventName=DisassociateRouteTable)}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.VPC_CHANGES,
            "4.14",
            "VPC changes",
            "VpcChanges",
            "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || "
            "($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || "
            "($.eventName=CreateVpcPeeringConnection) || "
            "($.eventName=DeleteVpcPeeringConnection) || "
            "($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || "
            "($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || "
            "($.eventName=EnableVpcClassicLink)}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.ORGANIZATIONS_CHANGES,
            "4.15",
            "AWS Organizations changes",
            "OrganizationsChanges",
            f"{{ ($.eventSource = organizations.amazonaws.com) && ({_ORGANIZATIONS}) }}",
            _CRITICAL,
        ),
        CisControlSpec(
            CisControl.ROUTE_TABLE_CHANGES_PROWLER,
            "4.13",
            "Route table changes (prowler variant: EC2 event source)",
            "RouteTableChangesEc2",
            f"{{ ($.eventSource = ec2.amazonaws.com) && ({_ROUTES}) }}",
            _WARNING,
        ),
        CisControlSpec(
            CisControl.ORGANIZATIONS_CHANGES_PROWLER,
            "4.15",
            "AWS Organizations changes (prowler variant: all write events)",
            "OrganizationsChangesAll",
            "{ ($.eventSource = organizations.amazonaws.com) && ("
            f'{_ORGANIZATIONS} || ($.eventName = "CancelHandshake") || '
            '($.eventName = "CreateOrganization") || ($.eventName = "EnableAllFeatures")) }',
            _CRITICAL,
        ),
    )
}

_PROWLER = {CisControl.ROUTE_TABLE_CHANGES_PROWLER, CisControl.ORGANIZATIONS_CHANGES_PROWLER}
ALL_CIS_CONTROLS: Final = tuple(c for c in CisControl if c not in _PROWLER)
PROWLER_VARIANTS: Final = tuple(c for c in CisControl if c in _PROWLER)

#: The MITRE ATT&CK techniques each control watches for (carried in the metric filter's
#: ``ConstructsObs::Detection`` metadata).
CIS_ATTACK_TECHNIQUES: Final[dict[CisControl, tuple[str, ...]]] = {
    CisControl.ROOT_USAGE: ("T1078.004",),
    CisControl.UNAUTHORIZED_API_CALLS: ("T1580", "T1526"),
    CisControl.CONSOLE_SIGNIN_WITHOUT_MFA: ("T1078.004",),
    CisControl.IAM_POLICY_CHANGES: ("T1098.003",),
    CisControl.CLOUDTRAIL_CONFIGURATION_CHANGES: ("T1562.008",),
    CisControl.CONSOLE_AUTHENTICATION_FAILURES: ("T1110",),
    CisControl.CMK_DISABLE_OR_SCHEDULED_DELETION: ("T1485",),
    CisControl.S3_BUCKET_POLICY_CHANGES: ("T1537",),
    CisControl.CONFIG_CONFIGURATION_CHANGES: ("T1562.001",),
    CisControl.SECURITY_GROUP_CHANGES: ("T1562.007",),
    CisControl.NACL_CHANGES: ("T1562.007",),
    CisControl.NETWORK_GATEWAY_CHANGES: ("T1599",),
    CisControl.ROUTE_TABLE_CHANGES: ("T1599",),
    CisControl.VPC_CHANGES: ("T1599",),
    CisControl.ORGANIZATIONS_CHANGES: ("T1666",),
    CisControl.ROUTE_TABLE_CHANGES_PROWLER: ("T1599",),
    CisControl.ORGANIZATIONS_CHANGES_PROWLER: ("T1666",),
}
