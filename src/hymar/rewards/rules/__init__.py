"""Rule-based verifiers: extract -> normalise -> compare, each result carrying a confidence."""
