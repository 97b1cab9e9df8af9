"""Symbols for native frames: file IDs, extraction from ELF/DWARF/Go, the symbol store."""
