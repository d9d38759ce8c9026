"""`evidra daemon`: scheduled collection for months, with health and metrics."""
