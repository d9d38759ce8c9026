"""Renderers of a run for people (table) and for scripts (JSON, the evidra.check/v1 contract)."""
