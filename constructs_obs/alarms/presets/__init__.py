"""Alarm presets, one module per service: what to watch and at which thresholds."""
