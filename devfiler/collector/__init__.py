"""The OTLP profiles collector: gRPC server, request decoding and the request log."""
