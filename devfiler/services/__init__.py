"""The window's services: what the UI uses below analysis and export.

The window (ui/) draws; the store, the symbol store and its workers, the
collector's request log and forwarders and the database figures are reached
through this package, so that ui/ depends on analysis, export and services
only (tests/test_layers.py holds it to that). Each module serves one part of
the window: `database` the store and the DB stats tab, `symbols` the
Executables tab and dropped files, `requests` the gRPC tab, `profile_files`
files opened in the window, `window` the bundle the window is started with.
"""
