"""EasyR1: hymar's compute_score in EasyR1's batch form.

In a real run (docs/integrations.md):
    worker.reward.reward_type=batch
    worker.reward.reward_function=$(python -c 'import hymar.integrations.easyr1 as m; print(m.__file__)'):compute_score
"""

from hymar.integrations.easyr1 import compute_score

rows = compute_score([
    {"response": "<think>2 + 3 = 5</think><answer>5</answer>", "response_length": 12, "ground_truth": "5"},
    {"response": "<answer>6</answer>", "response_length": 4, "ground_truth": "5"},
], hymar_preset="rule-only")
print(rows)
assert rows == [{"overall": 1.0, "accuracy": 1.0}, {"overall": 0.0, "accuracy": 0.0}]
