"""The benchmark's operations, one module each, and what they share."""
