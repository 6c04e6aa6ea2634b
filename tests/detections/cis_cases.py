"""Positive and near-miss CloudTrail records per CIS / Security Hub control.

Built from the real samples of the AWS documentation; shared by the pattern tests and by the
tests that run the same cases through the templates CisBenchmarkAlarms synthesizes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tests.detections.helpers import api_call, changed, delete, sample

Case = Callable[[], dict[str, Any]]


def _calls(source: str, *names: str) -> dict[str, Case]:
    """One case per event name: the CreateUser sample as that call of that service."""
    return {name: functools.partial(api_call, source, name) for name in names}


def _variants(prefix: str, *names: str, **changes: Any) -> dict[str, Case]:
    """One case per event name: a sample with that eventName (and other changes)."""
    return {
        name: functools.partial(
            lambda name, fields: changed(sample(prefix), {"eventName": name, **fields}),
            name,
            changes,
        )
        for name in names
    }


POSITIVE: dict[str, dict[str, Case]] = {
    "CloudWatch.1": {
        "root console sign-in": lambda: sample("04"),
        "root enables an MFA device": lambda: sample("05"),
        "root creates a user": lambda: changed(
            sample("06"),
            {
                "userIdentity.type": "Root",
                "userIdentity.arn": "arn:aws:iam::123456789012:root",
                "eventType": "AwsApiCall",
            },
        ),
        "root call that failed": lambda: changed(
            sample("05"), {"errorCode": "AccessDenied", "errorMessage": "denied"}
        ),
    },
    "CloudWatch.2": {
        "AccessDenied": lambda: changed(sample("07"), {"errorCode": "AccessDenied"}),
        "AccessDeniedException": lambda: changed(
            sample("07"), {"errorCode": "AccessDeniedException"}
        ),
        "Client.UnauthorizedOperation": lambda: changed(
            sample("10"), {"errorCode": "Client.UnauthorizedOperation"}
        ),
        "UnauthorizedOperation": lambda: changed(
            sample("05"), {"errorCode": "UnauthorizedOperation"}
        ),
    },
    "CloudWatch.3": {
        "IAM user without MFA": lambda: sample("01"),
        "MFAUsed is not exactly Yes": lambda: changed(
            sample("02"), {"additionalEventData.MFAUsed": "yes"}
        ),
        "MFA turned off on the MFA sample": lambda: changed(
            sample("02"), {"additionalEventData.MFAUsed": "No"}
        ),
        "another user and region": lambda: changed(
            sample("01"), {"userIdentity.userName": "bob", "awsRegion": "eu-west-1"}
        ),
    },
    "CloudWatch.4": _calls(
        "iam",
        *(
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
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ),
    ),
    "CloudWatch.5": {
        "UpdateTrail that failed (the real sample)": lambda: sample("07"),
        **_variants(
            "07", "CreateTrail", "DeleteTrail", "StartLogging", "StopLogging", errorCode=delete()
        ),
    },
    "CloudWatch.6": {
        "IAM user failed sign-in": lambda: sample("03"),
        "root failed sign-in": lambda: changed(
            sample("03"), {"userIdentity.type": "Root", "userIdentity.userName": delete()}
        ),
        "failed sign-in elsewhere": lambda: changed(sample("03"), {"awsRegion": "ap-southeast-2"}),
    },
    "CloudWatch.7": {
        "DisableKey": lambda: changed(
            sample("08"), {"eventName": "DisableKey", "eventType": "AwsApiCall"}
        ),
        "ScheduleKeyDeletion": lambda: api_call("kms", "ScheduleKeyDeletion"),
        "DisableKey by a role": lambda: changed(
            sample("10"), {"eventSource": "kms.amazonaws.com", "eventName": "DisableKey"}
        ),
    },
    "CloudWatch.8": _variants(
        "10",
        *(
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
        ),
    ),
    "CloudWatch.9": _calls(
        "config",
        *(
            "StopConfigurationRecorder",
            "DeleteDeliveryChannel",
            "PutDeliveryChannel",
            "PutConfigurationRecorder",
        ),
    ),
    "CloudWatch.10": _calls(
        "ec2",
        *(
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        ),
    ),
    "CloudWatch.11": _calls(
        "ec2",
        *(
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ),
    ),
    "CloudWatch.12": _calls(
        "ec2",
        *(
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ),
    ),
    "CloudWatch.13": _calls(
        "ec2",
        *(
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ),
    ),
    "CloudWatch.14": _calls(
        "ec2",
        *(
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
}

NEGATIVE: dict[str, dict[str, Case]] = {
    "CloudWatch.1": {
        "root action invoked by a service": lambda: changed(
            sample("05"), {"userIdentity.invokedBy": "support.amazonaws.com"}
        ),
        "service event acting as root (RotateKey)": lambda: changed(
            sample("08"), {"userIdentity.type": "Root"}
        ),
        "service event without invokedBy": lambda: changed(
            sample("08"), {"userIdentity.type": "Root", "userIdentity.invokedBy": delete()}
        ),
        "RotateKey as logged (no identity type)": lambda: sample("08"),
        "IAM user sign-in": lambda: sample("01"),
        "Root only as a role session issuer": lambda: changed(
            sample("10"), {"userIdentity.sessionContext.sessionIssuer.type": "Root"}
        ),
        "root in lower case": lambda: changed(sample("05"), {"userIdentity.type": "root"}),
        # `$.eventType != "AwsServiceEvent"` is false when eventType is missing, as in records
        # from before CloudTrail wrote it (eventVersion 1.0, like the CreateUser sample).
        "root record without eventType": lambda: changed(sample("05"), {"eventType": delete()}),
        "root CreateUser as logged in 2014": lambda: changed(
            sample("06"), {"userIdentity.type": "Root"}
        ),
    },
    "CloudWatch.2": {
        "another error (the real sample)": lambda: sample("07"),
        "no error at all": lambda: sample("06"),
        "case differs": lambda: changed(sample("07"), {"errorCode": "accessdenied"}),
        "denied only in the message": lambda: changed(
            sample("07"), {"errorCode": "ThrottlingException", "errorMessage": "AccessDenied"}
        ),
        "suffix after UnauthorizedOperation": lambda: changed(
            sample("07"), {"errorCode": "UnauthorizedOperationError"}
        ),
        "AccessDenied not at the start": lambda: changed(
            sample("07"), {"errorCode": "S3AccessDenied"}
        ),
    },
    "CloudWatch.3": {
        "MFA used": lambda: sample("02"),
        "failed sign-in": lambda: sample("03"),
        "root without MFA (CloudWatch.1 covers it)": lambda: sample("04"),
        "MFAUsed missing (!= is false on a missing field)": lambda: changed(
            sample("01"), {"additionalEventData.MFAUsed": delete()}
        ),
        "federated role session": lambda: changed(
            sample("01"), {"userIdentity.type": "AssumedRole"}
        ),
        "not a sign-in": lambda: changed(sample("01"), {"eventName": "ConsoleLogout"}),
    },
    "CloudWatch.4": {
        "CreateUser (the real sample)": lambda: sample("06"),
        "reading a policy": lambda: api_call("iam", "GetRolePolicy"),
        "case differs": lambda: api_call("iam", "putrolepolicy"),
        "longer name": lambda: api_call("iam", "PutRolePolicyV2"),
        "name only inside the request": lambda: changed(
            sample("06"), {"requestParameters.eventName": "PutRolePolicy"}
        ),
        "AssumeRole (the real sample)": lambda: sample("09"),
    },
    "CloudWatch.5": {
        "reading trails": lambda: api_call("cloudtrail", "DescribeTrails"),
        "trail status": lambda: api_call("cloudtrail", "GetTrailStatus"),
        "event lookup": lambda: api_call("cloudtrail", "LookupEvents"),
        "plural name": lambda: api_call("cloudtrail", "UpdateTrails"),
        "event selectors (not in the control)": lambda: api_call("cloudtrail", "PutEventSelectors"),
    },
    "CloudWatch.6": {
        "successful sign-in": lambda: sample("01"),
        "another failure message": lambda: changed(
            sample("03"), {"errorMessage": "No username found in supplied account"}
        ),
        "message with a period": lambda: changed(
            sample("03"), {"errorMessage": "Failed authentication."}
        ),
        "failure outside the console": lambda: changed(sample("03"), {"eventName": "CheckMfa"}),
    },
    "CloudWatch.7": {
        "automatic rotation (the real service event)": lambda: sample("08"),
        "disabling rotation": lambda: api_call("kms", "DisableKeyRotation"),
        "enabling a key": lambda: api_call("kms", "EnableKey"),
        "DisableKey of another service": lambda: api_call("iam", "DisableKey"),
        "cancelling a deletion": lambda: api_call("kms", "CancelKeyDeletion"),
    },
    "CloudWatch.8": {
        "object write (the real data event)": lambda: sample("10"),
        "public access block (not in the control)": lambda: changed(
            sample("10"), {"eventName": "PutBucketPublicAccessBlock"}
        ),
        "policy read": lambda: changed(sample("10"), {"eventName": "GetBucketPolicy"}),
        "another service with the same name": lambda: changed(
            sample("10"),
            {"eventName": "PutBucketPolicy", "eventSource": "s3-outposts.amazonaws.com"},
        ),
    },
    "CloudWatch.9": {
        "starting the recorder": lambda: api_call("config", "StartConfigurationRecorder"),
        "deleting the recorder (not in the control)": lambda: api_call(
            "config", "DeleteConfigurationRecorder"
        ),
        "same name, other service": lambda: api_call("s3", "PutDeliveryChannel"),
        "no event source": lambda: changed(
            api_call("config", "StopConfigurationRecorder"), {"eventSource": delete()}
        ),
    },
    "CloudWatch.10": {
        "ModifySecurityGroupRules (only in CIS 5.0)": lambda: api_call(
            "ec2", "ModifySecurityGroupRules"
        ),
        "describing groups": lambda: api_call("ec2", "DescribeSecurityGroups"),
        "name only in the request": lambda: changed(
            api_call("ec2", "RunInstances"), {"requestParameters.action": "CreateSecurityGroup"}
        ),
    },
    "CloudWatch.11": {
        "describing ACLs": lambda: api_call("ec2", "DescribeNetworkAcls"),
        "case differs": lambda: api_call("ec2", "createNetworkAcl"),
        "security group change": lambda: api_call("ec2", "CreateSecurityGroup"),
    },
    "CloudWatch.12": {
        "VPN gateway (not in the control)": lambda: api_call("ec2", "CreateVpnGateway"),
        "NAT gateway": lambda: api_call("ec2", "CreateNatGateway"),
        "describing gateways": lambda: api_call("ec2", "DescribeInternetGateways"),
    },
    "CloudWatch.13": {
        "associating a table (not in the control)": lambda: api_call("ec2", "AssociateRouteTable"),
        "describing tables": lambda: api_call("ec2", "DescribeRouteTables"),
        "transit gateway route": lambda: api_call("ec2", "CreateTransitGatewayRoute"),
    },
    "CloudWatch.14": {
        "default VPC (not in the control)": lambda: api_call("ec2", "CreateDefaultVpc"),
        "describing VPCs": lambda: api_call("ec2", "DescribeVpcs"),
        "endpoint change": lambda: api_call("ec2", "ModifyVpcEndpoint"),
    },
}
