# SIP/SDP benchmarks.
