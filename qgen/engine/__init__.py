"""The reference engine: gates, networks, expression graphs, and their oracles."""
