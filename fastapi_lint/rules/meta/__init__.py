"""FAS9xx: the linter's own diagnostics."""
