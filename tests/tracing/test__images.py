"""Image references pinned to a tag or a digest, checked around the tokens CDK renders
(``constructs_obs.tracing._images``); ``ContainerImage`` checks are tested through their
users, ``FargateTracing`` and ``TracedFargateService``."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_secretsmanager as secretsmanager

from constructs_obs import InvalidParameterError
from constructs_obs.private.validate import Check
from constructs_obs.tracing._images import check_container_image, check_image_reference
from constructs_obs.tracing.tracing_backend import COLLECTOR_IMAGE_HINT as HINT

CHECK = Check("FargateTracing", "Tracing")
FLOATING = ":" + "latest"
PRIVATE_IMAGE = "registry.example.com/team/collector"


def _private_image(stack: cdk.Stack, tag: str) -> ecs.ContainerImage:
    credentials = secretsmanager.Secret.from_secret_name_v2(stack, "Credentials", "registry")
    return ecs.ContainerImage.from_registry(PRIVATE_IMAGE + tag, credentials=credentials)


def test_checking_a_container_image_adds_nothing_to_the_app(stack: cdk.Stack) -> None:
    # GIVEN a registry image, WHEN it is checked before any container uses it
    before = [child.node.path for child in stack.node.find_all()]
    image = ecs.ContainerImage.from_registry(PRIVATE_IMAGE + ":1.2.3")
    # THEN it is checked, in a throwaway app: the user's app is unchanged
    assert check_container_image(stack, CHECK, "image", image, hint=HINT) is True
    assert [child.node.path for child in stack.node.find_all()] == before


def test_an_image_that_needs_the_execution_role_waits_for_the_task_definition(
    stack: cdk.Stack,
) -> None:
    # GIVEN an image behind registry credentials, with the floating tag
    image = _private_image(stack, FLOATING)
    # WHEN it is checked without a task definition THEN nothing is checked yet
    assert check_container_image(stack, CHECK, "image", image, hint=HINT) is False
    # WHEN it is checked with the task definition THEN its tag is refused
    task = ecs.FargateTaskDefinition(stack, "Task", cpu=256, memory_limit_mib=512)
    with pytest.raises(InvalidParameterError, match="uses the floating 'latest' tag"):
        check_container_image(stack, CHECK, "image", image, hint=HINT, task_definition=task)


def _token(display_hint: str) -> str:
    """A string token, as CDK encodes one (its key may hold ':' from the display hint)."""
    return cdk.Token.as_string({"Ref": "Anything"}, display_hint=display_hint)


def _stable_id(value: str) -> str:
    """A test id without token numbers (they differ between pytest-xdist workers)."""
    return re.sub(r"\$\{Token\[([^\]]*?)\.\d+\]\}", r"<\1>", value)


# What an ECR image renders before resolution: account, region, suffix and name are tokens.
ECR_REPOSITORY = (
    f"{_token('Account')}.dkr.ecr.{_token('Region')}.{_token('AWS.URLSuffix')}/{_token('Name')}"
)


@pytest.mark.parametrize(
    "image",
    [
        ECR_REPOSITORY + ":v1.2.3",
        ECR_REPOSITORY + "@sha256:" + "a" * 64,
        "123456789012.dkr.ecr.eu-west-1." + _token("AWS.URLSuffix") + "/team/collector:2.0",
        # A tag or digest chosen at deploy time cannot be checked; nor can a reference whose
        # end is a token (it may carry its tag).
        ECR_REPOSITORY + ":" + _token("ImageTag"),
        ECR_REPOSITORY + ":v1-" + _token("Build"),
        ECR_REPOSITORY + "@" + _token("Digest"),
        "registry.example.com/collector:" + _token("tag:latest"),
        _token("ImageUri"),
        "registry.example.com/team/" + _token("Repository"),
    ],
    ids=_stable_id,
)
def test_pinned_references_with_tokens_are_accepted(image: str) -> None:
    assert check_image_reference(CHECK, "image", image, hint=HINT) == image


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (
            ECR_REPOSITORY + FLOATING,
            "'${...}.dkr.ecr.${...}.${...}/${...}:latest' uses the floating",
        ),
        (ECR_REPOSITORY + ":", "has no tag"),
        (ECR_REPOSITORY + "@sha256:abc", "has no tag and no valid sha256 digest"),
        # A ':' inside a token is not a tag separator.
        (_token("repo:v1") + FLOATING, "uses the floating 'latest' tag"),
        ("registry.example.com:" + _token("Port") + "/collector", "has no tag"),
        ("registry.example.com/collector:-1", "has no valid tag ('-1')"),
    ],
    ids=_stable_id,
)
def test_the_literal_tag_is_checked_around_tokens(image: str, expected: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        check_image_reference(CHECK, "image", image, hint=HINT)
    assert info.value.parameter == "image"
    assert expected in str(info.value)
    assert "pin a version" in str(info.value)
