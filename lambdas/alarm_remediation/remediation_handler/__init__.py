"""The alarm remediation handler, one module per stage of an invocation.

``settings`` reads the environment (once per cold start), ``events`` accepts only CloudWatch's
Lambda alarm action and reads what it claims, ``verification`` checks the claim against the
function's own account and region and against CloudWatch, ``decision`` decides what to do,
``idempotency`` and ``execution`` act at most once per CloudWatch state change (through the
``clients``), ``audit`` writes the decision line and the metrics (``refusal`` lists why an event
is refused), and ``handler`` wires them into ``lambda_handler``.

The package ships at the root of the function's asset, next to ``index.py``: it is imported as
the top-level package ``remediation_handler``, so its modules import one another relatively and
import nothing but the standard library, boto3 and Powertools.
"""
