"""Integration test: a TracedFargateService with its ADOT collector sidecar, deployed.

Two tasks of a pinned nginx image with the collector beside them, in private subnets of a
small VPC. The assertions wait for the service to run both tasks with the deployment
completed, and check that the task definition carries the collector (non-essential, the app
container depending on its start) and the app's OTLP endpoint.

``make integ`` checks the committed snapshot offline; ``make integ-deploy`` deploys it (it
creates a NAT gateway and two Fargate tasks: destroy it after the run).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import integ_tests_alpha as integ

import constructs_obs as obs

app = cdk.App()
stack = cdk.Stack(app, "ObsIntegTracing")

vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
cluster = ecs.Cluster(
    stack, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
)
oncall = obs.AlarmTopic(stack, "Oncall")
routing = obs.AlarmRouting(
    stack, "Routing", name_prefix="integ-tracing", critical=[oncall], warning=[oncall]
)
service = obs.TracedFargateService(
    stack,
    "Storefront",
    cluster=cluster,
    image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:1.27.0"),
    service_name="integ-storefront",
    routing=routing,
    container_port=80,
    desired_count=2,
)

test = integ.IntegTest(app, "TracedFargateService", test_cases=[stack])
assertions = test.assertions
# WHEN the service is deployed THEN it runs its two tasks, the deployment completed
running = assertions.aws_api_call(
    "ECS",
    "describeServices",
    {"cluster": cluster.cluster_arn, "services": [service.service.service_arn]},
)
running.expect(
    integ.ExpectedResult.object_like(
        {
            "services": integ.Match.array_with(
                [
                    integ.Match.object_like(
                        {
                            "runningCount": 2,
                            "deployments": integ.Match.array_with(
                                [integ.Match.object_like({"rolloutState": "COMPLETED"})]
                            ),
                        }
                    )
                ]
            )
        }
    )
)
running.wait_for_assertions(
    total_timeout=cdk.Duration.minutes(15), interval=cdk.Duration.seconds(30)
)
# AND the task definition has the collector sidecar the app waits for
task = assertions.aws_api_call(
    "ECS",
    "describeTaskDefinition",
    {"taskDefinition": service.task_definition.task_definition_arn},
)
task.expect(
    integ.ExpectedResult.object_like(
        {
            "taskDefinition": integ.Match.object_like(
                {
                    "containerDefinitions": integ.Match.array_with(
                        [
                            integ.Match.object_like(
                                {"name": "aws-otel-collector", "essential": False}
                            )
                        ]
                    )
                }
            )
        }
    )
)
running.next(task)

app.synth()
