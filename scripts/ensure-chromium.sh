#!/usr/bin/env bash
# Run a command with Debian's Chromium and its matching chromedriver for the browser tests.
# Both are taken from PATH; when either is missing they are installed from the Debian packages
# (as root, quietly). If they cannot be had, KB_TEST_BROWSER_SKIP says why, and the browser
# tests report themselves as skipped with that reason (they never pass silently).
set -uo pipefail

have_browser() {
  { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } \
    && command -v chromedriver >/dev/null 2>&1
}

if ! have_browser; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo ">> Installiere Chromium und chromium-driver aus den Debian-Paketen für die Browsertests …"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends chromium chromium-driver fonts-liberation) \
      >/tmp/kb-chromium-install.log 2>&1 \
      || echo "   (Installation fehlgeschlagen, siehe /tmp/kb-chromium-install.log)"
  fi
fi

if have_browser; then
  echo ">> Browsertests mit $(chromedriver --version 2>/dev/null | cut -d' ' -f1-2)"
elif [ "$(id -u)" != 0 ]; then
  export KB_TEST_BROWSER_SKIP="Chromium/chromium-driver fehlen; Installation braucht root (apt-get install chromium chromium-driver)"
else
  export KB_TEST_BROWSER_SKIP="Chromium/chromium-driver fehlen und ließen sich nicht installieren (/tmp/kb-chromium-install.log)"
fi

[ "$#" -gt 0 ] && exec "$@"
exit 0
