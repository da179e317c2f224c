"""smartcity_rules: smart-city evaluation standards as checked, compiled scoring code."""
