import base64
import json
import logging
import os
import re
from pathlib import Path
from unittest.mock import patch

from odoo.tests import HttpCase
from odoo.tests.common import ChromeBrowser

_logger = logging.getLogger(__name__)

# The tours' screenshot steps print this line; see static/tests/tours/.
SCREENSHOT_SIGNAL = re.compile(r"^crm_closed_loop:screenshot:(\w+)$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def screenshots_root():
    """Where the tours leave their screenshots: ``$CRM_CLOSED_LOOP_SCREENSHOTS``,
    else ``.run/screenshots`` at the repository root (git-ignored)."""
    configured = os.environ.get("CRM_CLOSED_LOOP_SCREENSHOTS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / ".run" / "screenshots"


class ScreenshotTourCase(HttpCase):
    """Runs a tour and saves the screens its screenshot steps point at.

    Odoo's browser only captures the page when a tour fails. Here the browser's
    console handler also answers the tours' screenshot line: it asks Chrome for
    the page (DevTools ``Page.captureScreenshot``), writes
    ``<root>/tours/<tour>/<step>.png`` and then marks the page, which is what the
    tour's next step waits for.
    """

    def start_tour_with_screenshots(self, url_path, tour_name, login):
        folder = screenshots_root() / "tours" / tour_name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
        handle_console = ChromeBrowser._handle_console

        def handle_console_and_screenshots(browser, type, args=None, **kw):
            handle_console(browser, type, args=args, **kw)
            text = (args or [{}])[0].get("value")
            match = (
                type == "log"
                and isinstance(text, str)
                and SCREENSHOT_SIGNAL.match(text)
            )
            if match:
                self._capture(browser, folder, match[1])

        with patch.object(
            ChromeBrowser, "_handle_console", handle_console_and_screenshots
        ):
            self.start_tour(url_path, tour_name, login=login)
        return folder

    def _capture(self, browser, folder, step):
        def save(future):
            try:
                data = future.result(timeout=0)["data"]
                (folder / f"{step}.png").write_bytes(base64.b64decode(data))
            except Exception:
                _logger.exception("Screenshot %s of %s failed", step, folder.name)
            # Let the tour go on whether or not the picture was taken: the test
            # checks the files afterwards.
            browser._websocket_send(
                "Runtime.evaluate",
                params={
                    "expression": "document.body.dataset.crmClosedLoopScreenshot = "
                    + json.dumps(step)
                },
            )

        browser._websocket_send(
            "Page.captureScreenshot", with_future=True
        ).add_done_callback(save)

    def assertScreenshots(self, folder, steps):
        for step in steps:
            path = folder / f"{step}.png"
            self.assertTrue(path.is_file(), f"screenshot {path} was not taken")
            content = path.read_bytes()
            self.assertTrue(content.startswith(PNG_MAGIC), f"{path} is not a PNG")
            self.assertGreater(len(content), 1000, f"{path} is empty")
