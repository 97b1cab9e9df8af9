"""The symbol store: one symbol file per executable under `symbols/`, and ingest into it."""
