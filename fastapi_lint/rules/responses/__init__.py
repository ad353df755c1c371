"""FAS5xx: middleware and serialization, the per-request overhead around handlers."""
