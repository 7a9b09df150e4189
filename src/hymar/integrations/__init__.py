"""Thin adapters from hymar rewards to trainers (TRL, verl, HTTP)."""
