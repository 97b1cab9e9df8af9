"""devfiler: a desktop viewer for the OpenTelemetry eBPF profiling agent.

The package is layered (see docs/architecture.md): model <- storage <-
collector, symbolize <- analysis <- ui, cli. Data flows one way.
"""

__version__ = "0.1.0"
