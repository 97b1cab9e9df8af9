"""Where symbols come from unasked: local files, symbol endpoints, debuginfod, in order."""
