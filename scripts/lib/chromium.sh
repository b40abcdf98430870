# Headless Chromium and its WebDriver for the web page tests (Tests/Integration/test_web_page.py),
# from Debian's packages (no browser download of its own). Source it after common.sh; call
# ensure_chromium: it installs `chromium` and `chromium-driver` when missing and exports
# CHROMIUM_BIN and CHROMEDRIVER_BIN, which the tests hand to Selenium (so Selenium Manager never
# tries to fetch a driver).

ensure_chromium() {
  need_packages chromium chromium-driver
  local bin driver
  bin=$(command -v chromium || true)
  driver=$(command -v chromedriver || true)
  [ -n "$bin" ] || die "chromium is not on PATH after installing the Debian package"
  [ -n "$driver" ] || die "chromedriver is not on PATH after installing chromium-driver"
  export CHROMIUM_BIN="$bin"
  export CHROMEDRIVER_BIN="$driver"
  say "chromium: $("$bin" --version 2>/dev/null | head -n 1)"
}
