"""The AWS collector: one module per service, each registering its readers.

Only `evidra.collectors.base` names this package (lazily), so boto3 is imported
when AWS is collected and never when evidra itself is imported.
"""
