"""Symbols for native frames, in three rooms that import only downwards.

`formats/` reads file formats (ELF, symbol tables, DWARF, gopclntab, symbfile,
demangling, file IDs, debug links) into the range model; `store/` keeps the
result as one memory-mapped symbol file per executable and ingests files into
it; `sources/` finds files to ingest (this machine, a symbol endpoint,
debuginfod) and runs them in the background worker.
"""
