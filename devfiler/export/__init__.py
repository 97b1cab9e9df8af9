"""Profiles in and out: every output format behind one interface, and the importers.

Writers turn a selection into bytes (export/formats.py lists them: pprof,
speedscope, collapsed stacks, and the JSON and text of `devfiler query`);
importers turn pprof, OTLP and collapsed files into requests that take the
collector's own validation and store path.
"""
