"""Checking: parse tree -> verdict and feedback, in seeded worlds, under a deadline."""
