"""Intelligence products and their dissemination, and federal alerts passed on."""
