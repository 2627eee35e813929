"""Read-only answers: cards and lists built from the database."""
