"""The Dear PyGui window: app shell, one module per tab, pure drawing adapters."""
