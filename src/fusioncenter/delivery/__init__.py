"""Delivery: the one outbox through which every notice, product and alert reaches a person."""
