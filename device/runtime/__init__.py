"""What wires the parts together: the daemon, the supervisor, the assembly of the parts, the conductor, logging (the top layer)."""
