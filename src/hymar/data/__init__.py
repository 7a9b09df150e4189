"""Data: JSONL records <-> samples, dataset adapters and the synthetic multimodal task suite."""
