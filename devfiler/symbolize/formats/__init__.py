"""File formats symbols come in, read into the range model: no store, no network."""
