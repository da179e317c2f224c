"""Static analyses of a checked standard (ranges, reachability, directions, units): read, never evaluate."""
