"""The dashboard: what coordinators and province officers see on a page, and who may see it."""
