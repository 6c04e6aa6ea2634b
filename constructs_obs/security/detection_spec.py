"""One entry of the security detection catalogue, and the vocabulary it is written in.

The catalogue is data: every entry names its id (a :class:`SecurityDetection`), where it runs
(an EventBridge rule on CloudTrail events, or a CloudWatch Logs metric filter on the trail's
log group with an alarm on a count), its pattern, severity, MITRE ATT&CK tactic and technique
ids, a title and a message for the responder. The constructs, the README table and the tests
are generated from it.

A pattern may hold a :class:`Setting`: a place where a value of the user's goes (the principals
allowed to invoke Bedrock models, the addresses instances call AWS from). ``detection_settings``
resolves it when a construct builds the rule.

Every rule and metric filter the library creates for a detection carries CloudFormation
metadata under :data:`METADATA_KEY` (``{"id", "title", "severity", "attack"}``), so that a report
on a synthesized template can name the detection instead of a logical id.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from aws_cdk import CfnResource

from constructs_obs.alarms.severity import Severity

__all__ = [
    "API_CALL",
    "DETECTION_METADATA_KEY",
    "SIGN_IN",
    "AttackTactic",
    "DetectionSource",
    "SecurityDetection",
    "SecurityDetectionSpec",
    "Setting",
    "add_detection_metadata",
    "api_calls",
]

API_CALL: Final = "AWS API Call via CloudTrail"
SIGN_IN: Final = "AWS Console Sign In via CloudTrail"
#: The CloudFormation metadata key of every detection resource (rule or metric filter).
DETECTION_METADATA_KEY: Final = "ConstructsObs::Detection"


class AttackTactic(Enum):
    """A MITRE ATT&CK (Enterprise) tactic; the value is its id."""

    INITIAL_ACCESS = "TA0001"
    EXECUTION = "TA0002"
    PERSISTENCE = "TA0003"
    PRIVILEGE_ESCALATION = "TA0004"
    DEFENSE_EVASION = "TA0005"
    CREDENTIAL_ACCESS = "TA0006"
    DISCOVERY = "TA0007"
    LATERAL_MOVEMENT = "TA0008"
    COLLECTION = "TA0009"
    EXFILTRATION = "TA0010"
    IMPACT = "TA0040"

    @property
    def label(self) -> str:
        """The tactic's name as ATT&CK writes it: ``"Defense Evasion"``."""
        return self.name.replace("_", " ").title()


class DetectionSource(Enum):
    """Where a detection runs."""

    EVENT_RULE = "EventBridge rule"
    """A rule on the CloudTrail events EventBridge receives (``SecurityEventRules``)."""
    METRIC_FILTER = "metric filter"
    """A metric filter on the trail's log group and an alarm on its count
    (``SecurityVolumeAlarms``): for what matters only in bulk."""


class SecurityDetection(Enum):
    """One detection of the catalogue (one EventBridge rule, or one metric filter and alarm)."""

    # The baseline (CIS-like changes, present since the first release).
    ROOT_ACCOUNT_USAGE = "root-account-usage"
    CONSOLE_SIGNIN_WITHOUT_MFA = "console-signin-without-mfa"
    CONSOLE_AUTHENTICATION_FAILURES = "console-authentication-failures"
    IAM_POLICY_CHANGES = "iam-policy-changes"
    IAM_USER_AND_ACCESS_KEY_CHANGES = "iam-user-and-access-key-changes"
    CLOUDTRAIL_TAMPERING = "cloudtrail-tampering"
    CLOUDTRAIL_TAMPERING_DENIED = "cloudtrail-tampering-denied"
    KMS_KEY_DISABLE_OR_DELETION = "kms-key-disable-or-deletion"
    S3_BUCKET_POLICY_CHANGES = "s3-bucket-policy-changes"
    SECURITY_GROUP_CHANGES = "security-group-changes"
    NACL_CHANGES = "nacl-changes"
    ROUTE_TABLE_CHANGES = "route-table-changes"
    NETWORK_GATEWAY_CHANGES = "network-gateway-changes"
    VPC_CHANGES = "vpc-changes"
    ORGANIZATIONS_CHANGES = "organizations-changes"
    SECURITY_SERVICES_DISABLED = "guardduty-or-security-hub-disabled"
    # Credential access.
    EC2_PASSWORD_DATA_READ = "ec2-password-data-read"  # noqa: S105 (a detection id)
    INSTANCE_CREDENTIALS_OUTSIDE = "instance-credentials-used-outside"
    BULK_SECRET_READS = "bulk-secret-reads"  # noqa: S105 (a detection id)
    BULK_PARAMETER_DECRYPTION = "bulk-parameter-decryption"
    # Defense evasion.
    DNS_QUERY_LOGGING_REMOVED = "dns-query-logging-removed"
    PUBLIC_DNS_QUERY_LOGGING_REMOVED = "public-dns-query-logging-removed"
    FLOW_LOGS_DELETED = "vpc-flow-logs-deleted"
    CONFIG_RECORDING_STOPPED = "config-recording-stopped"
    ORGANIZATION_LEFT = "organization-left"
    # Discovery.
    USER_DATA_READ = "ec2-user-data-read"
    # Execution.
    USER_DATA_CHANGED = "ec2-user-data-changed"
    SSM_SEND_COMMAND = "ssm-send-command"
    SSM_START_SESSION = "ssm-start-session"
    UNUSUAL_INSTANCE_TYPE = "unusual-instance-type-launched"
    # Exfiltration.
    AMI_SHARED = "ami-shared"
    EBS_SNAPSHOT_SHARED = "ebs-snapshot-shared"
    RDS_SNAPSHOT_SHARED = "rds-snapshot-shared"
    REMOTE_ADMIN_PORT_OPENED = "ssh-or-rdp-opened-to-internet"
    # Lateral movement.
    INSTANCE_CONNECT_KEY_PUSHED = "ec2-instance-connect-key-pushed"
    SERIAL_CONSOLE_KEY_PUSHED = "serial-console-key-pushed"
    # Persistence.
    ROLE_TRUST_POLICY_CHANGED = "role-trust-policy-changed"
    ACCESS_KEY_FOR_NAMED_USER = "access-key-created-for-named-user"
    ADMIN_POLICY_ATTACHED = "administrator-access-attached"
    LOGIN_PROFILE_CHANGED = "login-profile-created-or-updated"
    LAMBDA_CODE_UPDATED = "lambda-code-updated"
    LAMBDA_LAYER_ADDED = "lambda-layer-added"
    LAMBDA_MADE_PUBLIC = "lambda-made-public"
    ROLES_ANYWHERE_TRUST_ANCHOR = "roles-anywhere-trust-anchor-changed"
    FEDERATION_TOKEN_ISSUED = "federation-token-issued"  # noqa: S105 (a detection id)
    # Impact.
    BEDROCK_UNUSUAL_PRINCIPAL = "bedrock-invoked-by-unlisted-principal"
    MASS_DELETION = "mass-deletion"


@dataclass(frozen=True)
class Setting:
    """A place in a pattern for a value of the user's (see ``DetectionSettings``)."""

    name: str

    def __str__(self) -> str:
        return f"<{self.name}>"


@dataclass(frozen=True)
class SecurityDetectionSpec:
    """One catalogue entry.

    Attributes
    ----------
    detection:
        Its id.
    title:
        What happened, as a sentence (used in messages, alarm summaries, the README).
    pattern:
        The EventBridge event pattern (a dict, possibly holding :class:`Setting` places), or
        the CloudWatch Logs filter pattern (a str) of a metric-filter detection.
    severity:
        Critical pages someone; warning goes to the team's queue.
    tactic / attack:
        The ATT&CK tactic it is filed under, and its technique ids.
    message:
        What a responder should check first.
    source:
        Where it runs.
    global_service:
        Its events arrive only in us-east-1 (IAM, Organizations).
    every_region:
        Its events arrive in whichever region the actor chose, us-east-1 included, and matter
        wherever they arrive: a console sign-in is recorded in the region of the sign-in
        endpoint (the global endpoint's in us-east-1), the root user's calls in the region of
        the call (IAM's in us-east-1). Deploy it in every region the trail covers; a record is
        delivered in exactly one region, so no event raises it twice.
    read_only_events:
        It must also see read-only API calls (Get*, List*, Describe*): EventBridge delivers
        those to a default-bus rule only in the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
    threshold:
        Metric-filter detections: how many matching records in one period raise the alarm.
    required_setting:
        The ``DetectionSettings`` field without which the detection cannot be built (it is
        left out, with a note, until the user gives it).
    """

    detection: SecurityDetection
    title: str
    pattern: dict[str, Any] | str
    severity: Severity
    tactic: AttackTactic
    attack: tuple[str, ...]
    message: str
    source: DetectionSource = DetectionSource.EVENT_RULE
    global_service: bool = False
    every_region: bool = False
    read_only_events: bool = False
    threshold: int | None = None
    required_setting: str | None = None

    @property
    def event_pattern(self) -> dict[str, Any]:
        """The EventBridge pattern (an error for a metric-filter detection)."""
        if not isinstance(self.pattern, dict):
            raise TypeError(f"{self.detection.value} is a metric-filter detection")
        return self.pattern

    @property
    def filter_pattern(self) -> str:
        """The filter pattern (an error for a rule detection)."""
        if not isinstance(self.pattern, str):
            raise TypeError(f"{self.detection.value} is an EventBridge rule detection")
        return self.pattern


def api_calls(
    event_source: str, *event_names: str | dict[str, Any], **detail: Any
) -> dict[str, Any]:
    """A pattern for API calls of one service (``event_source`` as CloudTrail writes it,
    ``iam.amazonaws.com``), keyed on ``detail.eventSource`` and ``detail.eventName``, with
    more ``detail`` fields (e.g. ``requestParameters``) to match."""
    return {
        "detail-type": [API_CALL],
        "detail": {"eventSource": [event_source], "eventName": list(event_names), **detail},
    }


def add_detection_metadata(
    resource: CfnResource,
    *,
    detection_id: str,
    title: str,
    severity: Severity,
    attack: tuple[str, ...],
) -> None:
    """Mark a rule or metric filter with what it detects (:data:`METADATA_KEY`)."""
    resource.add_metadata(
        DETECTION_METADATA_KEY,
        {
            "id": detection_id,
            "title": title,
            "severity": severity.value,
            "attack": list(attack),
        },
    )
