"""The local audit engine (DuckDB over CloudTrail files on disk) and its command line."""
