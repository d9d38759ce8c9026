"""The Azure collector: subscriptions through Azure Resource Manager, the directory
through Microsoft Graph (see collector.py)."""
