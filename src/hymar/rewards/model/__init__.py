"""Model-based rewards (import torch lazily)."""
