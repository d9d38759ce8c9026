"""evidra: automated cloud evidence collection for SOC 2."""

__version__ = "0.1.0"
