"""Alarm remediation handler (see issue 3)."""
