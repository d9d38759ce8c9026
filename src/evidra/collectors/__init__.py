"""Collectors: one package per provider, each a thin translation from API to normalized resources."""
