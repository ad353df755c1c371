"""FAS1xx: the event loop, where async code meets sync code."""
