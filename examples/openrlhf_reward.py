"""OpenRLHF: hymar's local reward function file, imported the way OpenRLHF imports --remote_rm_url FILE.py.

In a real run (docs/integrations.md):
    HYMAR_PRESET=rule-only python -m openrlhf.cli.train_ppo_ray \\
      --remote_rm_url "$(python -c 'import hymar.integrations.openrlhf as m; print(m.__file__)')" ...
"""

import importlib.util

import hymar.integrations.openrlhf as module

spec = importlib.util.spec_from_file_location("reward_func", module.__file__)
loaded = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loaded)
prompt = "<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n"
out = loaded.reward_func([prompt + "<answer>5</answer><|im_end|>", prompt + "<answer>6</answer>"], [prompt, prompt], ["5", "5"])
print(out)
assert out["rewards"] == [1.0, 0.0]
