"""Suspicious activity reports and tips: intake, routing, vetting, export."""
