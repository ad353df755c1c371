"""FAS4xx: capacity, the threadpool, pools and timeouts that bound throughput."""
