"""Persistence: the SQLite connection, the migrations runner and one repository per aggregate.

All SQL in the project lives in this package.
"""
