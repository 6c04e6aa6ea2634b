"""names: a name AWS keeps unique per account and region is claimed once in the whole app.

Log groups are the kind added here: a second log group of one name in the same account and
region fails its deployment ("already exists"), so the second declaration is refused.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from constructs_obs import EncryptedLogGroup, InvalidParameterError
from constructs_obs.private.names import register_log_group_name
from constructs_obs.private.validate import Check
from tests.support.harness import new_stack


def test_a_log_group_name_is_used_once_per_account_and_region_in_the_app() -> None:
    # GIVEN a named log group in one stack
    app = cdk.App()
    EncryptedLogGroup(new_stack(app, "First"), "Orders", log_group_name="/app/orders")
    # WHEN another stack of the same account and region declares the same name
    with pytest.raises(InvalidParameterError) as info:
        EncryptedLogGroup(new_stack(app, "Second"), "Orders", log_group_name="/app/orders")
    # THEN it is refused, naming the first one
    assert str(info.value) == (
        "EncryptedLogGroup 'Orders': invalid log_group_name: '/app/orders' is already the "
        "name of the log group First/Orders in this account and region; log group names must "
        "be unique there (share that log group, or choose another name)"
    )


def test_the_same_name_in_another_region_or_app_is_another_log_group() -> None:
    app = cdk.App()
    EncryptedLogGroup(new_stack(app, "First"), "Orders", log_group_name="/app/orders")
    other = cdk.Environment(account="123456789012", region="us-east-1")
    EncryptedLogGroup(new_stack(app, "Us", env=other), "Orders", log_group_name="/app/orders")
    EncryptedLogGroup(new_stack(cdk.App(), "First"), "Orders", log_group_name="/app/orders")


def test_a_refused_log_group_does_not_hold_its_name() -> None:
    # A log group refused for another reason leaves its name free for the corrected one.
    app = cdk.App()
    stack = new_stack(app, "Only")
    with pytest.raises(InvalidParameterError, match="retention"):
        EncryptedLogGroup(stack, "Bad", log_group_name="/app/orders", retention=2)
    EncryptedLogGroup(stack, "Good", log_group_name="/app/orders")


def test_token_names_are_not_registered() -> None:
    stack = new_stack(cdk.App(), "Tokens")
    name = cdk.Token.as_string(cdk.Fn.ref("NameParameter"))
    check = Check("Test", "A")
    register_log_group_name(stack, check, name)
    register_log_group_name(stack, check, name)  # known only at deploy time: not compared
