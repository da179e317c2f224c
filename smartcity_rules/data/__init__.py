"""Reading statistics in: records from JSON and CSV files."""
