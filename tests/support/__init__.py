"""Helpers for the tests: real servers in-process and checks for the local services."""
