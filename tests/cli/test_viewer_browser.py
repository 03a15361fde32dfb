"""The viewer pages in a real browser (headless Chromium, tests/browser.py): keys step
through a counterexample, the changed variables are highlighted, a map opens on click, the
message sequence chart follows the step, a lasso wraps around, and the state graph zooms,
pans and shows the state clicked. Screenshots are kept in tests/artifacts/ (ignored by git)
for a human to look at. Skipped without chromium or playwright."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import browser
from conftest import PAXOS_BUGGY, REPO, I
from inprocess import modelcheck
from modelcheck.explore.result import Trace, TraceStep, Violation
from modelcheck.report.html import trace_page

pytestmark = pytest.mark.skipif(browser.missing() is not None, reason=browser.missing() or "")
needs_neato = pytest.mark.skipif(shutil.which("neato") is None, reason="graphviz is not installed")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is not installed")
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(scope="module")
def chromium():
    with browser.chromium() as b:
        yield b


@pytest.fixture
def page(chromium):
    """A new tab; page errors (exceptions in the viewer's JS) fail the test."""
    tab = chromium.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    tab.close()
    assert errors == []


def screenshot(tab, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture(scope="module")
def paxos(tmp_path_factory):
    """The counterexample page of paxos_buggy, and its ITF trace."""
    d = tmp_path_factory.mktemp("paxos")
    run = modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement", "--html", d / "cex.html",
                     "--out-itf", d / "cex.itf.json")
    assert run.returncode == 1, run.out
    return d / "cex.html", json.loads((d / "cex.itf.json").read_text())


def shown(tab) -> int:
    """The index of the state the page shows."""
    return int(tab.locator("body").get_attribute("data-step"))


def changed_variables(itf: dict, i: int) -> list[str]:
    names = [v for v in itf["vars"] if not v.startswith("mbt::")]
    return [v for v in names if itf["states"][i][v] != itf["states"][i - 1][v]]


def test_keys_step_through_the_trace_and_the_changes_are_highlighted(page, paxos):
    path, itf = paxos
    page.goto(path.as_uri())
    assert shown(page) == 0 and page.inner_text("#mc-state-head").startswith("State 1 of 13")
    assert page.locator(".mc-tree .mc-changed").count() == 0  # the initial state: nothing to compare
    for key in ("j", "j", "ArrowDown", "ArrowRight"):
        page.keyboard.press(key)
    assert shown(page) == 4
    assert page.inner_text("#mc-state-head").startswith("State 5 of 13, after step 4")
    assert page.locator(".mc-step.mc-current .mc-num").inner_text() == "4"
    highlighted = page.eval_on_selector_all(".mc-tree > .mc-changed", "rows => rows.map(r => r.dataset.path)")
    assert highlighted == changed_variables(itf, 4) and highlighted
    screenshot(page, "trace_step4.png")
    page.keyboard.press("k")
    assert shown(page) == 3
    page.keyboard.press("End")
    assert shown(page) == 12 and "violates Agreement" in page.inner_text("#mc-state")
    page.keyboard.press("j")  # no loop: the last state stays
    assert shown(page) == 12
    page.keyboard.press("Home")
    assert shown(page) == 0
    page.click(".mc-step >> nth=7")
    assert shown(page) == 7
    assert page.url.endswith("#state-8")
    page.goto(path.as_uri() + "#state-6")  # a link to a state opens there
    page.reload()
    assert shown(page) == 5


def test_a_map_opens_on_click_and_stays_open(page, paxos):
    path, itf = paxos
    page.goto(path.as_uri())
    row = page.locator('.mc-tree > .mc-row[data-path="maxBal"]')
    assert row.locator(".mc-children").count() == 0
    row.locator(".mc-line").first.click()
    entries = row.locator(":scope > .mc-children > .mc-row")
    assert entries.count() == len(itf["states"][0]["maxBal"]["#map"]) == 3
    assert entries.first.text_content() == "a1 \u2192 -1"
    page.keyboard.press("j")  # maxBal does not change in step 1: still open, nothing marked
    assert changed_variables(itf, 1) and "maxBal" not in changed_variables(itf, 1)
    assert page.locator('.mc-tree > .mc-row[data-path="maxBal"] > .mc-children > .mc-row').count() == 3
    screenshot(page, "trace_map_open.png")
    page.locator('.mc-tree > .mc-row[data-path="maxBal"] .mc-line').first.click()
    assert page.locator('.mc-tree > .mc-row[data-path="maxBal"] > .mc-children').count() == 0


@needs_neato
def test_the_chart_follows_the_step(page, paxos):
    path, _ = paxos
    page.goto(path.as_uri())
    for _ in range(3):
        page.keyboard.press("j")
    assert page.get_attribute("#mc-chart g#step3", "class").split() == ["node", "mc-current"]
    assert "mc-future" in page.get_attribute("#mc-chart g#step4", "class")
    assert "mc-future" not in page.get_attribute("#mc-chart g#step2", "class")
    page.click("#mc-chart g#step6", force=True)
    assert shown(page) == 6
    screenshot(page, "trace_chart.png")


def test_a_lasso_wraps_around_into_its_loop(page, tmp_path):
    steps = [TraceStep(None if i == 0 else "Tick", {}, {"x": I(i), "note": "</script><b>not bold</b>"})
             for i in range(4)]
    trace = Trace(tuple(steps))
    path = tmp_path / "lasso.html"
    path.write_text(trace_page(trace, {}, "Lasso", Violation("liveness", "EventuallyDone", trace), loop=1))
    page.goto(path.as_uri())
    assert page.inner_text("#mc-loop-back").replace("\n", " ") == "\u21a9 back to state 2"
    page.keyboard.press("End")
    assert "the next state is state 2 again" in page.inner_text("#mc-state")
    page.keyboard.press("j")
    assert shown(page) == 1
    page.keyboard.press("k")
    assert shown(page) == 0
    page.click("#mc-loop-back")
    assert shown(page) == 1
    assert page.locator('.mc-row[data-path="note"] .mc-value').inner_text() == '"</script><b>not bold</b>"'
    assert page.locator("b").count() == 0
    screenshot(page, "trace_lasso.png")


@needs_dot
def test_the_graph_zooms_pans_and_shows_the_state_clicked(page, tmp_path):
    run = modelcheck("graph", PAXOS_BUGGY, "--const", "Ballots=0..0", "--html", tmp_path / "g.html")
    assert run.returncode == 0, run.out
    page.goto((tmp_path / "g.html").as_uri())
    view = lambda: [float(x) for x in page.get_attribute("#mc-graph svg", "viewBox").split()]
    home = view()
    assert "Click a state" in page.inner_text("#mc-panel")
    page.click("#mc-graph g#state1", force=True)
    assert page.inner_text("#mc-state-head") == "s1 \u00b7 depth 2"
    assert "1a" in page.inner_text("#mc-panel")
    page.click("#mc-panel a.mc-link >> nth=0")  # the step into s1 comes from s0
    assert page.inner_text("#mc-state-head") == "s0 \u00b7 depth 1"
    zoomed = view()
    assert zoomed[2] < home[2]  # centred on s0 and zoomed in
    screenshot(page, "graph.png")
    box = page.locator("#mc-graph").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 260, box["y"] + 230)
    page.mouse.up()
    panned = view()
    assert panned[0] < zoomed[0] and panned[1] < zoomed[1] and panned[2] == zoomed[2]
    page.mouse.wheel(0, 300)
    assert view()[2] > panned[2]
    page.keyboard.press("0")
    assert view() == home
