"""Smoke test of the e2e harness: a tiny inline anywidget in Voila and JupyterLab."""

import pytest

SMOKE_CELL = r'''
import anywidget
import ipywidgets as W
import traitlets


class SmokeCounter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.dataset.testid = "smoke-button";
      const seen = document.createElement("span");
      seen.dataset.testid = "smoke-python";
      const update = () => {
        button.textContent = `count: ${model.get("value")}`;
        seen.textContent = `python saw ${model.get("python_seen")}`;
      };
      button.addEventListener("click", () => {
        model.set("value", model.get("value") + 1);
        model.save_changes();
      });
      model.on("change:value", update);
      model.on("change:python_seen", update);
      update();
      el.append(button, seen);
    }
    export default { render };
    """
    value = traitlets.Int(0).tag(sync=True)
    # Only ever written by the Python observer below.
    python_seen = traitlets.Int(-1).tag(sync=True)


counter = SmokeCounter()
label = W.Label("python label: 0")
label.add_class("smoke-label")


def on_value(change):
    counter.python_seen = change["new"]
    label.value = f"python label: {change['new']}"


counter.observe(on_value, names="value")
W.VBox([counter, label])
'''

BUTTON = '[data-testid="smoke-button"]'


@pytest.fixture(scope="module")
def smoke_notebook(write_notebook):
    return write_notebook("smoke", [SMOKE_CELL])


def _click_twice_and_check(page, console, cell_stderr):
    from playwright.sync_api import expect

    button = page.locator(BUTTON)
    expect(button).to_have_text("count: 0")
    button.click()
    expect(button).to_have_text("count: 1")
    button.click()
    expect(button).to_have_text("count: 2")
    # Round trip through the kernel: both values are set by the Python observer.
    expect(page.locator('[data-testid="smoke-python"]')).to_have_text("python saw 2")
    expect(page.locator(".smoke-label")).to_contain_text("python label: 2")
    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()


def test_smoke_voila(smoke_notebook, voila_notebook, console, cell_stderr):
    page = voila_notebook(smoke_notebook.name, wait_for=BUTTON)
    _click_twice_and_check(page, console, cell_stderr)


def test_smoke_lab(smoke_notebook, lab_notebook, console, cell_stderr):
    page = lab_notebook(smoke_notebook.name, wait_for=BUTTON)
    _click_twice_and_check(page, console, cell_stderr)
