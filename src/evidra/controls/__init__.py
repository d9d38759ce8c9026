"""The control engine: a catalog of controls as data, evaluated over normalized resources."""
