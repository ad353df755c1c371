"""FAS2xx: resource lifetime, what is built per request that should be built once."""
