"""verl: hymar's compute_score_batch as verl's custom reward function, run through verl's BatchRewardManager.

In a real run it is five lines of config (docs/integrations.md):
    reward.custom_reward_function.path=pkg://hymar.integrations.verl
    reward.custom_reward_function.name=compute_score_batch
    reward.reward_manager.name=batch
Here: the per-sample lists verl's batch manager passes, scored directly (verl itself optional).
"""

from hymar.integrations.verl import compute_score_batch

rows = compute_score_batch(
    data_sources=["demo", "demo"],
    solution_strs=["<think>2 + 3 = 5</think><answer>5</answer>", "<answer>6</answer>"],
    ground_truths=["5", "5"],
    extra_infos=[{"prompt": "What is 2 + 3?", "uid": "q1"}] * 2,
    hymar_preset="rule-only",
)
for row in rows:
    print(row)
assert [r["score"] for r in rows] == [1.0, 0.0]
