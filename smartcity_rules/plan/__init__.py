"""The scoring plan lowered once from a checked standard, and the one module that defines each scoring rule."""
