"""Container images pinned to a version, checked before anything uses them.

A reference must end with a tag other than ``latest`` (``name:1.2.3``) or with a digest
(``name@sha256:<64 hex>``). What CDK renders as tokens is checked around the tokens:

* the literal text after the last ``/`` and its last ``:`` is the tag, so an ECR image
  (``<account>.dkr.ecr.<region>.<suffix>/<repository>:latest``, all but the tag tokens) is
  checked like any other reference;
* a tag or digest that is itself (partly) a token, like a ``TagParameterContainerImage``'s or
  ``from_ecr_repository(repository, parameter.value_as_string)``'s, is chosen at deploy time
  and cannot be checked: it is accepted, like the library accepts tokens everywhere else;
* so is a reference whose last part is a token (a ``CfnParameter`` holding the whole
  reference): whether it carries a tag is only known at deploy time.

Images built from assets (``from_asset``, ``from_docker_image_asset``, ``from_tarball``) are
tagged with their content hash, so they are pinned by construction.

An ``ecs.ContainerImage`` shows its reference only when it is bound to a container
definition, which for some images grants the task's execution role a pull or read
permission. To check an image before it is added to the real task definition, it is bound to
a container of a throwaway task definition in a throwaway app that is never synthesized. That
task definition has no execution role: an image that asks for one (registry credentials, an
asset or ECR repository to pull from) is bound a second time, now with the real task
definition's execution role, which then gets exactly the grant the real container would give
it (CDK removes the duplicate statement when it renders the policy).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_obs.private.validate import Check

__all__ = ["FLOATING_TAG", "check_container_image", "check_image_reference"]

FLOATING_TAG: Final = "latest"
# How aws-cdk-lib encodes a string token (core/lib/private/encoding.ts: "${Token[<key>]}", the
# key made of letters, digits, ':', '.', '_' and '-').
_STRING_TOKEN = re.compile(r"\$\{Token\[[a-zA-Z0-9:._-]+\]\}")
_DEPLOY_TIME: Final = "\0"  # stands for a token while the literal text is examined
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_ECR_HINT: Final = (
    "pin a version: ecs.ContainerImage.from_ecr_repository(repository, 'v1.2.3') (or a digest, "
    "'sha256:...')"
)


def check_image_reference(check: Check, parameter: str, image: str, *, hint: str) -> str:
    """``image`` pinned to a tag other than ``latest`` or to a digest; tokens are skipped (see
    the module documentation). ``hint`` tells how to pin it."""
    literal = _STRING_TOKEN.sub(_DEPLOY_TIME, image)
    shown = _STRING_TOKEN.sub("${...}", image)
    if "@" in literal:
        digest = literal.rpartition("@")[2]
        if _DEPLOY_TIME in digest or _DIGEST.fullmatch(digest) is not None:
            return image
        check.fail(parameter, f"{shown!r} has no tag and no valid sha256 digest; {hint}")
    last = literal.rpartition("/")[2]
    _, colon, tag = last.rpartition(":")
    if _DEPLOY_TIME in (tag if colon else last):
        return image  # the tag (or the whole end of the reference) is chosen at deploy time
    if not colon or not tag:
        check.fail(parameter, f"{shown!r} has no tag; {hint}")
    if tag == FLOATING_TAG:
        check.fail(parameter, f"{shown!r} uses the floating '{FLOATING_TAG}' tag; {hint}")
    if _TAG.fullmatch(tag) is None:
        check.fail(parameter, f"{shown!r} has no valid tag ({tag!r}); {hint}")
    return image


def check_container_image(
    scope: Construct,
    check: Check,
    parameter: str,
    image: ecs.ContainerImage,
    *,
    hint: str,
    task_definition: ecs.TaskDefinition | None = None,
) -> bool:
    """Check ``image`` before it is added to a container; nothing in ``scope``'s app changes.

    Returns False, having checked nothing, when the image can only be bound with an execution
    role and no ``task_definition`` is given: call again with the task definition the image
    is for (before adding the container) to check it then.
    """
    if isinstance(image, ecs.EcrImage):
        check_image_reference(check, parameter, image.image_name, hint=_ECR_HINT)
        return True
    if isinstance(image, ecs.AssetImage | ecs.TagParameterContainerImage):
        return True  # a content-hash tag, or a tag chosen at deploy time
    reference = _bound_reference(scope, image, execution_role=None)
    if reference is None:
        if task_definition is None:
            return False
        reference = _bound_reference(
            scope, image, execution_role=task_definition.obtain_execution_role
        )
    if reference is not None:
        check_image_reference(check, parameter, reference, hint=hint)
    return True


class _NeedsExecutionRoleError(Exception):
    """The image asked the scratch task definition for an execution role it does not have."""


class _ScratchTaskDefinition(ecs.FargateTaskDefinition):
    """A task definition of a throwaway app, whose execution role is the real one, or none."""

    def __init__(
        self, scope: Construct, id: str, *, execution_role: Callable[[], iam.IRole] | None
    ) -> None:
        self.execution_role_source = execution_role
        self.asked_for_execution_role = False
        super().__init__(scope, id)

    def obtain_execution_role(self) -> iam.IRole:
        if self.execution_role_source is None:
            self.asked_for_execution_role = True
            raise _NeedsExecutionRoleError("the image needs the task's execution role")
        return self.execution_role_source()


def _bound_reference(
    scope: Construct, image: ecs.ContainerImage, *, execution_role: Callable[[], iam.IRole] | None
) -> str | None:
    """The reference ``image`` renders, bound to a scratch container; None when it needs an
    execution role and ``execution_role`` is None."""
    stage = cdk.Stage.of(scope)
    # An existing directory, so the scratch app creates none (it never synthesizes).
    outdir = stage.outdir if stage is not None else tempfile.gettempdir()
    scratch_app = cdk.App(outdir=outdir, auto_synth=False)
    scratch_stack = cdk.Stack(scratch_app, "ImageCheck")
    task = _ScratchTaskDefinition(scratch_stack, "Task", execution_role=execution_role)
    container = ecs.ContainerDefinition(
        task, "Container", task_definition=task, image=ecs.ContainerImage.from_registry("scratch")
    )
    try:
        return image.bind(container, container).image_name
    except (_NeedsExecutionRoleError, RuntimeError):
        # jsii hands the error raised in obtain_execution_role back as a RuntimeError.
        if task.asked_for_execution_role:
            return None
        raise
