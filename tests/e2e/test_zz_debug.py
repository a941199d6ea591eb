import json, urllib.request
from test_smoke import SMOKE_CELL, BUTTON
def test_dbg_lab_twice(write_notebook, lab_notebook, lab_server, console, page):
    write_notebook("dbg1", [SMOKE_CELL])
    write_notebook("dbg2", ["print('hello')", SMOKE_CELL])
    lab_notebook("dbg1", wait_for=BUTTON)
    lab_notebook("dbg2", wait_for=BUTTON, use_menu=True)
    page.locator(BUTTON).click()
    page.wait_for_timeout(500)
    page.screenshot(path="/tmp/lab2.png")
    print([s["path"] for s in json.load(urllib.request.urlopen(lab_server + "api/sessions"))])
    console.assert_no_errors()

def test_after(lab_server):
    print("after", [s["path"] for s in json.load(urllib.request.urlopen(lab_server + "api/sessions"))])
