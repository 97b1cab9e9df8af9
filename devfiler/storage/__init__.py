"""Persistent store: RocksDB tables for events, traces, frames, executables, contexts."""
