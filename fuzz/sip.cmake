# SIP/SDP fuzz targets (filled in below).
