"""The alarm remediation handler, one module per stage of an invocation.

``settings`` reads the environment (once per cold start), ``events`` turns the delivered event
into alarm state changes, ``decision`` decides what to do with each one, ``idempotency`` and
``execution`` act at most once per state change, ``audit`` writes the decision line and the
metrics, and ``handler`` wires them into ``lambda_handler``.

The package ships at the root of the function's asset, next to ``index.py``: it is imported as
the top-level package ``remediation_handler``, so its modules import one another relatively and
import nothing but the standard library, boto3 and Powertools.
"""
