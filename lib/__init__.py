"""Helpers for the executable thesis on advanced-manufacturing agglomeration in Jing-Jin-Ji.

Each module owns one concern; chapters import them, tests pin them against external references.
"""
