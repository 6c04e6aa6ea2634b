"""Templates normalized for snapshot tests: what changes without a change of yours is removed.

A synthesized template carries churn: asset hashes (they change whenever bundled code or a
CDK-provided handler changes), the bootstrap version check, CDK's version-reporting
resource, and path metadata that exists or not depending on how the app was synthesized.
``normalized_template`` strips all of it, so a snapshot changes only when the resources do.

Example with syrupy::

    from constructs_obs.testing import normalized_template

    def test_orders_stack(snapshot):
        app = cdk.App()
        stack = OrdersStack(app, "Orders")
        assert normalized_template(stack) == snapshot

Update the snapshots with ``pytest --snapshot-update`` after a change you meant.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import aws_cdk as cdk

__all__ = ["ASSET_HASH_PLACEHOLDER", "normalized_template"]

ASSET_HASH_PLACEHOLDER: Final = "<asset-hash>"
_ASSET_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
_VOLATILE_METADATA_PREFIXES: Final = ("aws:asset:", "aws:cdk:path")
_VERSION_REPORTING_TYPE: Final = "AWS::CDK::Metadata"


def normalized_template(source: cdk.Stack | Mapping[str, Any] | str | Path) -> dict[str, Any]:
    """The template of ``source`` without churn.

    Parameters
    ----------
    source:
        A stack (synthesized here), a template as a dict, or the path of a template file.

    Returns
    -------
    dict
        A copy of the template where every asset hash reads ``<asset-hash>``, without CDK's
        version-reporting resource and its condition, without the bootstrap-version parameter
        and rule, and without asset and path metadata.
    """
    template = _load(source)
    resources: dict[str, Any] = template.get("Resources", {})
    for logical_id in [k for k, r in resources.items() if r.get("Type") == _VERSION_REPORTING_TYPE]:
        del resources[logical_id]
    for resource in resources.values():
        metadata = resource.get("Metadata")
        if isinstance(metadata, dict):
            for key in [k for k in metadata if k.startswith(_VOLATILE_METADATA_PREFIXES)]:
                del metadata[key]
            if not metadata:
                del resource["Metadata"]
    _drop(template, "Conditions", "CDKMetadataAvailable")
    _drop(template, "Parameters", "BootstrapVersion")
    _drop(template, "Rules", "CheckBootstrapVersion")
    normalized: dict[str, Any] = _replace_hashes(template)
    return normalized


def _load(source: Any) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source))
    if isinstance(source, str | Path):
        loaded: dict[str, Any] = json.loads(Path(source).read_text())
        return loaded
    from aws_cdk.assertions import Template  # noqa: PLC0415 -- aws_cdk only for a Stack

    return copy.deepcopy(dict(Template.from_stack(source).to_json()))


def _drop(template: dict[str, Any], section: str, key: str) -> None:
    values = template.get(section)
    if isinstance(values, dict):
        values.pop(key, None)
        if not values:
            del template[section]


def _replace_hashes(value: Any) -> Any:
    if isinstance(value, str):
        return _ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, value)
    if isinstance(value, list):
        return [_replace_hashes(item) for item in value]
    if isinstance(value, dict):
        return {_replace_hashes(k): _replace_hashes(v) for k, v in value.items()}
    return value
