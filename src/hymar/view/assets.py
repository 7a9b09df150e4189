"""The page's inline style sheet and script (no CDN: the page must work opened from disk)."""

CSS = """
:root { --think: #fff3c4; --answer: #d5f5d5; --box: #b7e1ff; --bad: #b00020; --muted: #666; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; padding: 0 16px 32px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 16px 0 4px; } h2 { font-size: 16px; margin: 20px 0 8px; }
.muted { color: var(--muted); }
.controls { position: sticky; top: 0; z-index: 5; background: #fafafa; padding: 8px 0; border-bottom: 1px solid #ddd;
  display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
.controls label { white-space: nowrap; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { margin: 0; padding: 8px; background: #fff; border: 1px solid #ddd; border-radius: 6px; }
.chart .bar { fill: #4a78c2; } .chart .axis { stroke: #888; } .chart .tick { font-size: 10px; fill: #555; }
.chart .caption { font-size: 11px; color: var(--muted); max-width: 240px; }
.group { margin: 14px 0; padding: 8px; border: 1px solid #ccd; border-radius: 8px; background: #f0f2f8; }
.group > h3 { margin: 2px 4px 8px; font-size: 14px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 10px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; min-width: 0; }
.card.error { border-color: var(--bad); }
.card header { display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; margin-bottom: 6px; }
.card header .id { font-weight: 600; word-break: break-all; }
.badge { padding: 0 6px; border-radius: 8px; font-size: 12px; background: #eee; }
.badge.right { background: #c8f0c8; } .badge.wrong { background: #ffd0d0; } .badge.invalid { background: #ffe0a0; }
.reward { font-weight: 600; }
.media img.thumb { max-width: 120px; max-height: 120px; border: 1px solid #ccc; cursor: zoom-in; margin: 0 4px 4px 0; image-rendering: pixelated; }
pre { white-space: pre-wrap; word-break: break-word; margin: 4px 0; padding: 6px; background: #f6f6f6; border-radius: 4px; font: 12.5px/1.4 ui-monospace, Menlo, Consolas, monospace; max-height: 320px; overflow: auto; }
.hl-think { background: var(--think); } .hl-answer { background: var(--answer); } .hl-box { background: var(--box); outline: 1px solid #69b; }
.after-turn { color: #aaa; text-decoration: line-through; } .cut { color: var(--muted); font-style: italic; }
.legend span { padding: 0 6px; margin-right: 6px; border-radius: 3px; }
.answers { margin: 4px 0; } .answers b { font-weight: 600; }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
th, td { border-bottom: 1px solid #eee; padding: 2px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.invalid td { background: #fff4e0; } tr.picked td { outline: 2px solid #4a78c2; } .reason { color: var(--bad); } .note { color: #8a5a00; }
.details { color: var(--muted); font-size: 11.5px; word-break: break-word; }
.flat .cards { display: grid; }
#lightbox { display: none; position: fixed; inset: 0; background: rgba(0,0,0,.8); z-index: 10; align-items: center; justify-content: center; cursor: zoom-out; }
#lightbox.open { display: flex; } #lightbox img { max-width: 92vw; max-height: 92vh; min-width: 256px; image-rendering: pixelated; background: #fff; }
.report table { width: auto; background: #fff; } .report img.plot { max-width: 100%; border: 1px solid #ddd; background: #fff; }
.side-by-side { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
"""

JS = r"""
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card[data-index]"));
  var lightbox = $("lightbox"), lightboxImg = lightbox ? lightbox.querySelector("img") : null;
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("thumb") && lightbox) {
      lightboxImg.src = target.src; lightboxImg.alt = target.alt; lightbox.classList.add("open");
    } else if (lightbox && (target === lightbox || target === lightboxImg)) {
      lightbox.classList.remove("open");
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && lightbox) { lightbox.classList.remove("open"); }
  });
  if (!$("f-sort")) { return; }
  var words = function (card, key) { var v = card.getAttribute(key) || ""; return v ? v.split(" ") : []; };
  var reward = function (card) { var v = card.getAttribute("data-reward"); return v === "" ? null : parseFloat(v); };
  function visible(card, f) {
    if (f.group !== "" && card.getAttribute("data-group") !== f.group) { return false; }
    if (f.component !== "" && words(card, "data-components").indexOf(f.component) < 0) { return false; }
    if (f.invalid) {
      var bad = words(card, "data-invalid");
      if (card.getAttribute("data-error") !== "1" && (f.component === "" ? bad.length === 0 : bad.indexOf(f.component) < 0)) { return false; }
    }
    if (f.wrong && card.getAttribute("data-wrong") !== "1") { return false; }
    return true;
  }
  function apply() {
    var f = { component: $("f-component").value, group: $("f-group").value, invalid: $("f-invalid").checked, wrong: $("f-wrong").checked };
    var sort = $("f-sort").value, flat = $("flat"), shown = 0;
    var byComponent = f.component;
    document.querySelectorAll("tr[data-component]").forEach(function (row) {
      row.classList.toggle("picked", byComponent !== "" && row.getAttribute("data-component") === byComponent);
    });
    var order = cards.slice();
    if (sort !== "group") {
      var sign = sort === "reward-desc" ? -1 : 1;
      order.sort(function (a, b) {
        var ra = reward(a), rb = reward(b);
        if (ra === null && rb === null) { return a.getAttribute("data-index") - b.getAttribute("data-index"); }
        if (ra === null) { return 1; } if (rb === null) { return -1; }
        return sign * (ra - rb) || a.getAttribute("data-index") - b.getAttribute("data-index");
      });
    }
    order.forEach(function (card) {
      var home = sort === "group" ? $(card.getAttribute("data-home")) : flat.querySelector(".cards");
      home.appendChild(card);
      var show = visible(card, f);
      card.hidden = !show;
      if (show) { shown += 1; }
    });
    flat.hidden = sort === "group";
    document.querySelectorAll("section.group").forEach(function (section) {
      section.hidden = sort !== "group" || section.querySelectorAll(".card:not([hidden])").length === 0;
    });
    $("shown-count").textContent = shown + " of " + cards.length + " rollouts shown";
  }
  ["f-component", "f-group", "f-invalid", "f-wrong", "f-sort"].forEach(function (id) { $(id).addEventListener("change", apply); });
  apply();
})();
"""
