"""Synthesis cost: ``python benchmarks/synth.py`` (or ``make bench``).

Prints the wall time of ``python app.py`` (a cold process: interpreter, jsii kernel, the demo
app, cdk-nag), then, in one warm process, the synth time of stacks holding 1, 10 and 50
EncryptedLogGroups with one pattern alarm each, without and with the cdk-nag packs, with the
time and resources per log group, so the growth is visible; and the synth cost of each alarm
preset (RDS, Lambda, Fargate), per preset.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from constructs_obs import (
    AlarmRouting,
    AlarmTopic,
    EncryptedLogGroup,
    FargateServiceAlarms,
    LambdaFunctionAlarms,
    RdsInstanceAlarms,
)

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]
SIZES = (1, 10, 50)
REPEATS = 3


def time_app_py() -> float:
    with tempfile.TemporaryDirectory() as outdir:
        # What the CDK CLI passes to the app: the output directory and cdk.json's context.
        env = {**os.environ, "CDK_OUTDIR": outdir, "CDK_CONTEXT_JSON": json.dumps(CONTEXT)}
        started = time.perf_counter()
        subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, check=True)
        return time.perf_counter() - started


def log_group_stack(count: int, *, nag: bool) -> Callable[[], tuple[float, int]]:
    def run() -> tuple[float, int]:
        with tempfile.TemporaryDirectory() as outdir:
            started = time.perf_counter()
            app = cdk.App(context=dict(CONTEXT), outdir=outdir)
            stack = cdk.Stack(
                app, "Bench", env=cdk.Environment(account="123456789012", region="eu-west-1")
            )
            topic = sns.Topic(
                stack,
                "Alerts",
                master_key=kms.Key(stack, "TopicKey", enable_key_rotation=True),
                enforce_ssl=True,
            )
            action = cw_actions.SnsAction(topic)
            for index in range(count):
                group = EncryptedLogGroup(stack, f"Logs{index}")
                group.add_pattern_alarm(
                    "Errors",
                    pattern='{ $.level = "ERROR" }',
                    metric_name=f"Errors{index}",
                    actions=[action],
                )
            if nag:
                cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app))
            assembly = app.synth()
            elapsed = time.perf_counter() - started
            resources = len(assembly.get_stack_by_name("Bench").template["Resources"])
        return elapsed, resources

    return run


PRESET_COUNT = 10


def preset_stack(kind: str, count: int) -> tuple[float, int]:
    """Build + synth of a stack holding ``count`` presets of ``kind`` (and their routing)."""
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        app = cdk.App(context=dict(CONTEXT), outdir=outdir)
        stack = cdk.Stack(
            app, "Bench", env=cdk.Environment(account="123456789012", region="eu-west-1")
        )
        topic = AlarmTopic(stack, "Topic")
        routing = AlarmRouting(
            stack, "Routing", name_prefix="bench", critical=[topic], warning=[topic]
        )
        cluster = ecs.Cluster.from_cluster_arn(
            stack, "Cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/bench"
        )
        for index in range(count):
            if kind == "RdsInstanceAlarms":
                instance = rds.DatabaseInstance.from_database_instance_attributes(
                    stack,
                    f"Db{index}",
                    instance_identifier=f"db-{index}",
                    instance_endpoint_address=f"db-{index}.example.com",
                    port=5432,
                    security_groups=[],
                )
                RdsInstanceAlarms(stack, f"Alarms{index}", instance=instance, routing=routing)
            elif kind == "LambdaFunctionAlarms":
                function = lambda_.Function.from_function_arn(
                    stack, f"Fn{index}", f"arn:aws:lambda:eu-west-1:123456789012:function:f{index}"
                )
                LambdaFunctionAlarms(
                    stack,
                    f"Alarms{index}",
                    function=function,
                    routing=routing,
                    timeout=cdk.Duration.seconds(30),
                    asynchronous=True,
                )
            else:
                service = ecs.FargateService.from_fargate_service_attributes(
                    stack, f"Svc{index}", cluster=cluster, service_name=f"svc-{index}"
                )
                FargateServiceAlarms(stack, f"Alarms{index}", service=service, routing=routing)
        assembly = app.synth()
        elapsed = time.perf_counter() - started
        resources = len(assembly.get_stack_by_name("Bench").template["Resources"])
    return elapsed, resources


def print_presets() -> None:
    print(
        f"\npresets: build + synth of {PRESET_COUNT} of a kind in one stack (median of {REPEATS}):"
    )
    print(f"{'preset':>22} {'synth s':>8} {'ms/preset':>10} {'alarms/preset':>14}")
    _, base = preset_stack("RdsInstanceAlarms", 0)
    for kind in ("RdsInstanceAlarms", "LambdaFunctionAlarms", "FargateServiceAlarms"):
        runs = [preset_stack(kind, PRESET_COUNT) for _ in range(REPEATS)]
        seconds = statistics.median(r[0] for r in runs)
        per_preset = (runs[0][1] - base) / PRESET_COUNT
        print(
            f"{kind:>22} {seconds:>8.2f} {1000 * seconds / PRESET_COUNT:>10.1f} {per_preset:>14.1f}"
        )


def main() -> None:
    cold = [time_app_py() for _ in range(2)]
    print(f"python app.py (cold process, with cdk-nag): {min(cold):.2f} s (best of {len(cold)})")
    # Warm the jsii kernel, and count what the stack holds without any log group.
    _, base = log_group_stack(0, nag=False)()
    print(f"\nwarm process, build + synth of one stack (median of {REPEATS}):")
    print(
        f"{'log groups':>10} {'nag':>4} {'synth s':>8} {'ms/group':>9} "
        f"{'resources':>9} {'res/group':>9}"
    )
    for nag in (False, True):
        for count in SIZES:
            runs = [log_group_stack(count, nag=nag)() for _ in range(REPEATS)]
            seconds = statistics.median(r[0] for r in runs)
            resources = runs[0][1]
            print(
                f"{count:>10} {'yes' if nag else 'no':>4} {seconds:>8.2f} "
                f"{1000 * seconds / count:>9.1f} {resources:>9} {(resources - base) / count:>9.1f}"
            )
    print_presets()


if __name__ == "__main__":
    main()
