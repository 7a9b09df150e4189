"""Instruction-adherence aspects."""
