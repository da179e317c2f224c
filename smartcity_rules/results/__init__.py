"""Results of an evaluation: the rating over result columns, per-entity row views, explanations."""
