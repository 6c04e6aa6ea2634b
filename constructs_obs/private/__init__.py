"""Internals of constructs-obs: not part of the public API, may change without notice."""
