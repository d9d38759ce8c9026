"""`evidra demo`: the whole pipeline against a local AWS emulator, no cloud account needed."""
