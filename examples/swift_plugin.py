"""ms-swift: hymar's ORMs (the total and one per component) registered and called as swift calls them.

In a real run (docs/integrations.md):
    HYMAR_PRESET=rule-only swift rlhf --rlhf_type grpo \\
      --external_plugins "$(python -c 'import hymar.integrations.swift_plugin as p; print(p.PLUGIN)')" \\
      $(python -m hymar.integrations.swift rule-only) ...
"""

from hymar.integrations.swift import flags, orm_classes

print(flags("rule-only"))
orms = {name: cls() for name, cls in orm_classes("rule-only").items()}
completions = ["<think>2 + 3 = 5</think><answer>5</answer>", "<answer>6</answer>"]
columns = {"messages": [[{"role": "user", "content": "What is 2 + 3?"}, {"role": "assistant", "content": c}] for c in completions],
           "solution": ["5", "5"], "prompt_id": ["q1", "q1"]}
for name, orm in orms.items():
    print(name, orm(completions, **columns))
assert orms["hymar"](completions, **columns) == [1.0, 0.0]
