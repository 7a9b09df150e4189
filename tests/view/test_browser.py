"""The page in a real browser (headless Chromium through Playwright): loads cleanly, filters, images.

Skipped only where no Chromium is installed (`.ci/run` installs Debian's). Playwright drives the
system browser (``executable_path``): it never downloads one of its own.
"""

from __future__ import annotations

import io
import os
import shutil

import numpy as np
import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    explicit = os.environ.get("HYMAR_CHROMIUM")
    if explicit:
        return explicit
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


BROWSER = find_browser()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (apt-get install chromium)")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=BROWSER, args=["--no-sandbox", "--disable-gpu"])
        yield instance
        instance.close()


def open_page(browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}") if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: problems.append(f"request {request.url}") if not request.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def shown_ids(page) -> list[str]:
    return page.eval_on_selector_all(".card[data-index]:not([hidden])", "cards => cards.map(c => c.querySelector('.id').textContent)")


def test_filters_sort_and_images(browser, scored_file, tmp_path):
    from PIL import Image, ImageStat

    from hymar.view import write_rollouts_page

    page, problems = open_page(browser, write_rollouts_page(scored_file, tmp_path / "view.html"))
    everything = ["c3-right", "c3-wrong", "c3-boxed", "c2-right", "c2-nogold", "c2-deep", "bad-image"]
    assert shown_ids(page) == everything
    assert page.inner_text("#shown-count") == "7 of 7 rollouts shown"

    page.check("#f-wrong")
    assert shown_ids(page) == ["c3-wrong"]
    page.uncheck("#f-wrong")
    page.check("#f-invalid")
    assert shown_ids(page) == ["c2-deep", "bad-image"]  # an invalid component, an error line
    page.select_option("#f-component", "accuracy")
    assert shown_ids(page) == ["c2-deep"]
    page.uncheck("#f-invalid")
    assert shown_ids(page) == ["c3-right", "c3-wrong", "c3-boxed", "c2-right", "c2-deep"]  # not where accuracy does not apply
    page.select_option("#f-component", "")
    page.select_option("#f-group", "two")
    assert shown_ids(page) == ["c2-right", "c2-nogold", "c2-deep"]  # an error record keeps only id and line
    assert page.is_hidden('section.group[data-group="three"]')
    page.select_option("#f-group", "")
    page.select_option("#f-sort", "reward-asc")
    rewards = page.eval_on_selector_all(".card[data-index]:not([hidden])", "cards => cards.map(c => c.dataset.reward)")
    scored = [float(r) for r in rewards if r]
    assert scored == sorted(scored) and rewards[-1] == ""  # unscored last
    page.select_option("#f-sort", "group")
    assert shown_ids(page) == everything

    # images: decoded, visible, and not blank; a click enlarges one
    sizes = page.eval_on_selector_all("img.thumb", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
    assert len(sizes) == 6 and all(done and width == 96 for done, width in sizes)
    thumb = np.asarray(Image.open(io.BytesIO(page.locator("img.thumb").first.screenshot())).convert("RGB")).astype(int)
    red = (thumb[..., 0] > 200) & (thumb[..., 1] < 80) & (thumb[..., 2] < 80)
    assert red.mean() > 0.05, "the thumbnail shows the red circles"
    page.locator("img.thumb").first.click()
    assert page.is_visible("#lightbox img")
    full = Image.open(io.BytesIO(page.screenshot())).convert("L")
    assert ImageStat.Stat(full).stddev[0] > 10, "the screenshot is not blank"
    page.keyboard.press("Escape")
    assert page.is_hidden("#lightbox img")
    assert problems == []


def test_demo_page_loads_cleanly(browser, tmp_path):
    import json

    from PIL import Image

    from hymar.demo.html_page import write_demo_page_from_dir

    Image.new("RGB", (64, 32), "navy").save(tmp_path / "accuracy.png")
    base = {"accuracy": {"overall": 0.5}, "describe": {}}
    (tmp_path / "results.json").write_text(json.dumps({"base": base, "runs": {"rule-only": {**base, "seeds": 1}}, "plots": ["accuracy.png"]}))
    page, problems = open_page(browser, write_demo_page_from_dir(tmp_path))
    assert page.eval_on_selector("img.plot", "i => i.naturalWidth") == 64
    assert "Accuracy per domain" in page.inner_text("body")
    assert problems == []
