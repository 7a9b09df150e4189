"""The rollouts page and the demo page are self-contained and show every part of a rollout."""

from __future__ import annotations

import json
import re

from hymar.view import load_rollouts, rollouts_page, write_rollouts_page
from hymar.view.charts import ComponentSummary, histogram, histogram_svg
from hymar.demo.html_page import write_demo_page_from_dir
from hymar.view.markdown import to_html

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?!data:|#)""", re.I)


def test_rollouts_page_is_self_contained_and_complete(scored_file, tmp_path):
    out = write_rollouts_page(scored_file, tmp_path / "view.html")
    page = out.read_text(encoding="utf-8")
    assert not EXTERNAL.search(page), "every src/href must be inline (data: URI) or in-page"
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert page.count('<article class="card') == 7
    assert page.count('class="thumb" src="data:image/png;base64,') == 6  # the error line has no image
    for text in ("c3-boxed", "advantage", "gold", "extracted answer", "nested too deeply", "does not apply", "file not found"):
        assert text in page, text
    assert page.count('<figure class="chart"') == 3  # total, accuracy, format
    assert '<section class="group" data-group="three">' in page and '<section class="group" data-group="two">' in page
    # the reasoning of the wrong rollout holds model-written HTML, shown as text
    assert "&lt;b&gt;only&lt;/b&gt;" in page and "<b>only</b>" not in page


def test_card_attributes_drive_the_filters(scored_file):
    page = rollouts_page(load_rollouts(scored_file))
    wrong = re.findall(r'<article class="card[^"]*"[^>]*data-wrong="1"', page)
    invalid = re.findall(r'<article class="card[^"]*"[^>]*data-invalid="accuracy"', page)
    assert len(wrong) == 1 and len(invalid) == 1
    nogold = re.search(r'<article [^>]*data-group="two" data-reward="0.5" data-components="([^"]*)"', page)
    assert nogold and nogold.group(1) == "format"  # accuracy does not apply there: the component filter skips it


def test_histogram_bins_cover_the_range():
    low, high, counts = histogram([0.0, 0.05, 0.5, 1.0, float("nan")])
    assert (low, high) == (0.0, 1.0) and sum(counts) == 4 and counts[0] == 2 and counts[-1] == 1
    assert histogram([2.0, 2.0])[:2] == (1.5, 2.5)
    svg = histogram_svg(ComponentSummary("a<b", (1.0,), 1, (0.5,)))
    assert "a&lt;b" in svg and "invalid 50%" in svg


def test_markdown_subset():
    page = to_html("# T\n\n| a | b \\| c |\n|---|---|\n| `x` | **y** |\n\n- one\n![plot](p.png)\n```json\n{\"<\": 1}\n```",
                   lambda alt, path: f"<img alt={alt}>")
    assert "<h1>T</h1>" in page and "<th>b | c</th>" in page and "<td><code>x</code></td><td><b>y</b></td>" in page
    assert "<li>one</li>" in page and "<img alt=plot>" in page and "{&quot;&lt;&quot;: 1}" in page


def test_demo_page_from_a_demo_folder(tmp_path):
    from PIL import Image

    (tmp_path / "examples").mkdir()
    Image.new("RGB", (8, 8), "red").save(tmp_path / "examples" / "ex.png")
    Image.new("RGB", (40, 20), "blue").save(tmp_path / "accuracy.png")
    base = {"accuracy": {"overall": 0.5}, "describe": {}}
    results = {
        "base": base, "runs": {"rule-only": {**base, "accuracy": {"overall": 0.75}, "seeds": 1}},
        "plots": ["accuracy.png", "../outside.png"],
        "examples": [{"id": "ex", "domain": "counting", "prompt": "How many?", "gold": "3", "image": "examples/ex.png",
                      "answers": {"base": {"completion": "<answer>2</answer>", "correct": False},
                                  "rule-only": {"completion": "<think>1 2 3</think><answer>3</answer>", "correct": True}}}],
    }
    (tmp_path / "results.json").write_text(json.dumps(results))
    page = write_demo_page_from_dir(tmp_path).read_text()
    assert (tmp_path / "report.html").exists() and not EXTERNAL.search(page)
    assert "Accuracy per domain" in page and "<td>75.0" in page  # report.md's table, as HTML
    assert page.count("data:image/png;base64,") == 2  # the plot and the example image
    assert "outside the demo folder" in page  # a path out of the folder is not read
    side = page.split('<div class="side-by-side">')[1]
    assert side.index("base") < side.index("rule-only") and "badge wrong" in side and "badge right" in side
