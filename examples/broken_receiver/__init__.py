"""A receiver with switchable bugs, one per conformance check: what a failure looks like."""
