"""DNS listeners and the per-query policy between the wire and the resolver chain."""
