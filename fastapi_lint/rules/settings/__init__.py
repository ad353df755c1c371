"""FAS3xx: settings, read once and cached."""
