"""Tools built on a loaded standard: editions compared, the pilot cycle, stored cases, the testing kit."""
