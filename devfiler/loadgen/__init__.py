"""Synthetic profiling agent: builds agent-shaped OTLP profile requests and sends them.

`world` invents a seeded host (processes, threads, executables, call trees),
`frames` holds the frame values it is made of, `dictionary` turns frames into
a request's deduplicated tables, `requests` cuts time into the agent's 5 s
batches, and `sender` delivers the serialized requests over gRPC or to files.
"""
