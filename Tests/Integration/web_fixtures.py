"""Helpers of the web page tests (test_web_page.py): real Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium, headless, against the real server serving `public/`.

- `page_server`: a chat server (chat_fixtures.chat_server) that serves the repository's `public/`.
- `browsers`: a factory fixture of `Browser`s (one Chromium each, so separate localStorage and
  sockets); at teardown every browser's console log is saved and the browsers quit.
- `Browser`: waits (WebDriverWait, never bare sleeps as assertions), screenshots of each step into
  test-output/screenshots/<test>/NN-step.png (one numbering per test, across its browsers), and the
  console log (goog:loggingPrefs browser ALL) collected so that a test can fail on SEVERE entries.
- `TcpProxy`: a loopback TCP proxy in front of the server that can cut the page's WebSocket and
  hold its reconnection, to test reconnecting without stopping the server.
- `picture_png`: a small, recognisable PNG to send as an image.
"""
import base64
import os
import pathlib
import re
import shutil
import socket
import struct
import threading
import zlib

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from chat_fixtures import ROOT, chat_server  # noqa: F401 - chat_server is a fixture used by page_server
from conftest import OUTPUT

WAIT = 15.0
DESKTOP = (1280, 800)
PHONE = (390, 844)  # CSS pixels, set through device emulation (a headless window cannot be that narrow)


# ------------------------------------------------------------------------------------------------
# Chromium
# ------------------------------------------------------------------------------------------------
def chromium_paths():
    """(chromium, chromedriver): $CHROMIUM_BIN / $CHROMEDRIVER_BIN (scripts/lib/chromium.sh exports
    them), else from PATH. Skips when Chromium is not installed and nobody said where it is."""
    binary = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium")
    driver = os.environ.get("CHROMEDRIVER_BIN") or shutil.which("chromedriver")
    if not binary or not driver:
        if os.environ.get("CHROMIUM_BIN") or os.environ.get("CHROMEDRIVER_BIN"):
            pytest.fail(f"CHROMIUM_BIN={binary!r} CHROMEDRIVER_BIN={driver!r}: one of them is missing")
        pytest.skip("the web page tests need Debian's chromium and chromium-driver "
                    "(source scripts/lib/chromium.sh; ensure_chromium)")
    return binary, driver


def screenshot_dir(request):
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    directory = OUTPUT / "screenshots" / name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Steps:
    """One screenshot numbering for a test, shared by its browsers."""

    def __init__(self, directory):
        self.directory = directory
        self.number = 0
        self.lock = threading.Lock()

    def next_path(self, label):
        with self.lock:
            self.number += 1
            slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower()
            return self.directory / f"{self.number:02d}-{slug}.png"


class Browser:
    def __init__(self, name, base_url, steps, phone=False):
        binary, driver_path = chromium_paths()
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.steps = steps
        self.console = []  # every console entry so far
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        width, height = DESKTOP
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={width},{height}", "--hide-scrollbars", "--mute-audio",
                         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-features=Translate,MediaRouter,OptimizationHints",
                         "--lang=en-US"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=driver_path, log_output=os.devnull)
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(30)
        if phone:
            # Mobile emulation: a 390 px wide viewport with touch, as a phone shows the page.
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
            self.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})

    # -- navigation and lookup ------------------------------------------------------------------
    def open(self, path="/"):
        self.driver.get(self.base_url + path)

    def find(self, testid, within=None):
        return (within or self.driver).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def find_all(self, testid, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def css(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def wait(self, condition, message, timeout=WAIT):
        """Waits until condition(browser) is truthy; returns it. Exceptions inside count as falsy."""
        def probe(_driver):
            try:
                return condition(self)
            except Exception:  # noqa: BLE001 - elements come and go while the page renders
                return False
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(probe)
        except TimeoutException:
            path = self.screenshot(f"{self.name} timeout {message}")
            raise AssertionError(f"{self.name}: timed out after {timeout}s waiting for {message} "
                                 f"(screenshot {path})") from None

    def wait_visible(self, testid, timeout=WAIT):
        return self.wait(lambda b: (lambda e: e if e.is_displayed() else None)(b.find(testid)),
                         f"[data-testid={testid}] visible", timeout)

    def script(self, source, *args):
        return self.driver.execute_script(source, *args)

    # -- the page's own things --------------------------------------------------------------------
    def messages(self):
        """The room's messages as shown: [{seq, own, author, text, images, html}] in DOM order."""
        return self.script("""
            return [...document.querySelectorAll('[data-testid="message-items"] [data-testid="message"]')].map(li => {
              const text = li.querySelector('[data-testid="message-text"]');
              return {
                seq: Number(li.dataset.seq), own: li.dataset.own === 'true', author: li.dataset.author,
                text: text ? text.textContent : '', html: text ? text.innerHTML : '',
                images: [...li.querySelectorAll('[data-testid="message-image"]')].map(img => ({
                  src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
                  width: img.naturalWidth})),
                elements: text ? [...text.querySelectorAll('*')].map(e => e.tagName.toLowerCase()) : [],
                links: text ? [...text.querySelectorAll('a')].map(a => ({href: a.getAttribute('href'),
                  rel: a.getAttribute('rel'), text: a.textContent})) : [],
                right: li.getBoundingClientRect().right, left: li.getBoundingClientRect().left,
                bubbleLeft: li.querySelector('.bubble').getBoundingClientRect().left,
                bubbleRight: li.querySelector('.bubble').getBoundingClientRect().right,
              };
            });""")

    def online_names(self):
        return sorted(e.get_attribute("title") for e in self.find_all("online-avatar"))

    def online_count(self):
        return int(self.find("online-count").get_attribute("data-count"))

    def connection_state(self):
        return self.find("connection-state").get_attribute("data-state")

    def room_badge(self, room_id):
        """(shown, count) of a room's unread badge in the room list."""
        badge = self.driver.find_element(By.CSS_SELECTOR, f'[data-room-id="{room_id}"] [data-testid="room-unread"]')
        return badge.is_displayed(), int(badge.get_attribute("data-count") or 0)

    def paste_image(self, data: bytes, name="pasted.png"):
        """A paste of an image file into the message box (as a clipboard with a file gives it)."""
        self.script("""
            const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
            const files = new DataTransfer();
            files.items.add(new File([bytes], arguments[1], {type: 'image/png'}));
            document.querySelector('[data-testid=composer-input]').dispatchEvent(
              new ClipboardEvent('paste', {clipboardData: files, bubbles: true, cancelable: true}));
            """, base64.b64encode(data).decode(), name)

    def drop_image(self, data: bytes, name="dropped.png"):
        """A file dragged from the desktop and dropped on the room."""
        self.script("""
            const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
            const files = new DataTransfer();
            files.items.add(new File([bytes], arguments[1], {type: 'image/png'}));
            const room = document.querySelector('[data-testid=room-view]');
            for (const type of ['dragenter', 'dragover', 'drop']) {
              room.dispatchEvent(new DragEvent(type, {dataTransfer: files, bubbles: true, cancelable: true}));
            }
            """, base64.b64encode(data).decode(), name)

    def throttle_uploads(self, bytes_per_second):
        """Chromium's network emulation: uploads at most this fast (None: no limit)."""
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": False, "latency": 0, "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second if bytes_per_second else -1})

    def local_session(self):
        return self.script("return JSON.parse(localStorage.getItem('chatroom.session') || 'null')")

    def assert_no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
        except NoAlertPresentException:
            return
        raise AssertionError(f"{self.name}: a JavaScript alert is open: {text!r}")

    # -- evidence -----------------------------------------------------------------------------
    def screenshot(self, label):
        path = self.steps.next_path(label)
        self.driver.save_screenshot(str(path))
        return path

    def collect_console(self):
        try:
            self.console.extend(self.driver.get_log("browser"))
        except Exception:  # noqa: BLE001 - a dead browser has no log to give
            pass
        return self.console

    def console_errors(self):
        return [entry for entry in self.collect_console() if entry.get("level") == "SEVERE"]

    def quit(self):
        try:
            self.collect_console()
        finally:
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass


class BrowserSet(list):
    def __init__(self, steps):
        super().__init__()
        self.steps = steps

    def assert_no_console_errors(self):
        problems = []
        for browser in self:
            for entry in browser.console_errors():
                problems.append(f"{browser.name}: {entry.get('source', '?')}: {entry.get('message')}")
        assert not problems, "JavaScript console errors:\n" + "\n".join(problems)


@pytest.fixture
def browsers(request):
    """Factory: browsers(name, base_url, phone=False) -> Browser. Console logs of every browser are
    written to test-output/screenshots/<test>/console.log at teardown."""
    steps = Steps(screenshot_dir(request))
    made = BrowserSet(steps)

    def make(name, base_url, phone=False):
        browser = Browser(name, base_url, steps, phone=phone)
        made.append(browser)
        return browser

    make.all = made
    make.steps = steps
    yield make
    lines = []
    for browser in made:
        browser.quit()
        for entry in browser.console:
            lines.append(f"{browser.name} {entry.get('level')} {entry.get('source', '')}: {entry.get('message')}")
    (steps.directory / "console.log").write_text("\n".join(lines) + ("\n" if lines else ""))


@pytest.fixture
def page_server(chat_server):  # noqa: F811 - the fixture imported above
    """Factory: a chat server serving the repository's public/ (the page under test)."""
    def make(**kwargs):
        args = list(kwargs.pop("args", ())) + ["--static-dir", str(ROOT / "public")]
        return chat_server(args=args, **kwargs)
    return make


# ------------------------------------------------------------------------------------------------
# A proxy that can cut the page's WebSocket
# ------------------------------------------------------------------------------------------------
class TcpProxy:
    """Forwards 127.0.0.1:<port> to the server. Connections whose first request is a WebSocket
    upgrade can be cut (TCP shutdown, no close frame: what a dropped network looks like to the page)
    and new ones held (accepted but not forwarded) until release(). Plain HTTP always passes."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.cond = threading.Condition()
        self.holding = False
        self.closed = False
        self.websockets = []  # [(client, upstream)]
        self.websocket_count = 0
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        self.sockets.append(client)
        try:
            first = client.recv(65536)
        except OSError:
            client.close()
            return
        if not first:
            client.close()
            return
        head = first.split(b"\r\n\r\n", 1)[0].lower()
        is_websocket = b"upgrade: websocket" in head
        if is_websocket:
            with self.cond:
                while self.holding and not self.closed:
                    self.cond.wait(0.2)
        try:
            upstream = socket.create_connection(self.target, timeout=10)
            upstream.settimeout(None)
            upstream.sendall(first)
        except OSError:
            client.close()
            return
        self.sockets.append(upstream)
        if is_websocket:
            with self.cond:
                self.websockets.append((client, upstream))
                self.websocket_count += 1
                self.cond.notify_all()
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass

    def hold(self):
        with self.cond:
            self.holding = True

    def release(self):
        with self.cond:
            self.holding = False
            self.cond.notify_all()

    def cut_websockets(self):
        """Drops every forwarded WebSocket connection; returns how many."""
        with self.cond:
            pairs, self.websockets = self.websockets, []
        for pair in pairs:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        return len(pairs)

    def close(self):
        self.closed = True
        self.release()
        try:
            self.listener.close()
        except OSError:
            pass
        for sock in self.sockets:
            try:
                sock.close()
            except OSError:
                pass


@pytest.fixture
def tcp_proxy():
    made = []

    def make(target_port):
        proxy = TcpProxy(target_port)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


# ------------------------------------------------------------------------------------------------
# Images
# ------------------------------------------------------------------------------------------------
def picture_png(width=160, height=100, padding=0):
    """A PNG with a diagonal gradient and a stripe: easy to recognise in a screenshot. `padding`
    bytes of an ancillary chunk make it as large as wanted."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            if abs((x - width // 2) - (y - height // 2)) < 6:
                row += bytes((255, 255, 255))
            else:
                row += bytes((40 + 200 * x // width, 90 + 120 * y // height, 220 - 150 * x // width))
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    extra = [chunk(b"teSt", os.urandom(padding))] if padding else []
    return b"".join([b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
                     *extra, chunk(b"IDAT", zlib.compress(b"".join(rows))), chunk(b"IEND", b"")])


def write_file(directory: pathlib.Path, name, data: bytes):
    path = directory / name
    path.write_bytes(data)
    return str(path)
