"""Domain logic: conversations and use-cases. No Flask, no LINE SDK imports in this package."""
