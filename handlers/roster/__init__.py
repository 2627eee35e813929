"""Importing the district roster (TPMAP target households and their mentors).

reader.py reads CSV/XLSX, validate.py checks every row, apply.py writes in bulk in one
transaction. Import the modules directly (``from handlers.roster.apply import apply_roster``):
this package imports nothing itself, so handlers.invites can use ``cells`` without a cycle.
"""
