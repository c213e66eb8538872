"""Renderers turn a report dict into text for a terminal or a ticket."""
