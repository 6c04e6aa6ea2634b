"""Integration test: AuditTrail and its Athena queries, deployed.

A trail without Insights (the cheaper option) and without object lock (so the test bucket can
be emptied by hand after ``integ-deploy``; the buckets are RETAINed either way). The assertions
check that CloudTrail is logging, then run the ``root_activity`` named query in the trail's
workgroup, as a role given ``grant_query``, and wait for Athena to report it SUCCEEDED.

``make integ`` checks the committed snapshot offline; ``make integ-deploy`` deploys it.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import integ_tests_alpha as integ

import constructs_obs as obs

# The trail writes its own account's folder, so the stack names its account: the deploying
# one (the CDK CLI sets it), or a placeholder when synthesized offline (make integ).
ENV = cdk.Environment(
    account=os.environ.get("CDK_DEFAULT_ACCOUNT", "111122223333"),
    region=os.environ.get("CDK_DEFAULT_REGION", "eu-west-1"),
)
app = cdk.App()
stack = cdk.Stack(app, "ObsIntegAudit", env=ENV)
assertion_stack = cdk.Stack(app, "ObsIntegAuditAssertions", env=ENV)

trail = obs.AuditTrail(
    stack,
    "Trail",
    insights=False,
    object_lock=None,
    cloudwatch_logs_retention=logs.RetentionDays.ONE_DAY,
)
assert trail.queries is not None
queries = trail.queries

test = integ.IntegTest(app, "AuditTrailAthena", test_cases=[stack], assertion_stack=assertion_stack)
assertions = test.assertions

# WHEN the trail is deployed THEN CloudTrail reports it logging
status = assertions.aws_api_call("CloudTrail", "getTrailStatus", {"Name": trail.trail_arn})
status.expect(integ.ExpectedResult.object_like({"IsLogging": True}))

# AND the root-activity named query runs in the trail's workgroup
root_activity = queries.named_queries["root_activity"]
named = assertions.aws_api_call(
    "Athena", "getNamedQuery", {"NamedQueryId": root_activity.attr_named_query_id}
)
started = assertions.aws_api_call(
    "Athena",
    "startQueryExecution",
    {
        "QueryString": named.get_att_string("NamedQuery.QueryString"),
        "QueryExecutionContext": {"Database": queries.database_name},
        "WorkGroup": queries.workgroup_name,
        "ExecutionParameters": ["'2026/01/01'", "'2026/01/31'"],
    },
)
finished = assertions.aws_api_call(
    "Athena",
    "getQueryExecution",
    {"QueryExecutionId": started.get_att_string("QueryExecutionId")},
)
finished.expect(
    integ.ExpectedResult.object_like({"QueryExecution": {"Status": {"State": "SUCCEEDED"}}})
)
finished.wait_for_assertions(
    total_timeout=cdk.Duration.minutes(5), interval=cdk.Duration.seconds(10)
)
# The assertion calls (one function, one role) run the query with what grant_query gives.
queries.grant_query(
    iam.Role.from_role_arn(
        assertion_stack, "QueryRunner", cdk.Token.as_string(named.provider.handler_role_arn)
    )
)
status.next(named).next(started).next(finished)

app.synth()
