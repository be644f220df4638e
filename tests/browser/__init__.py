"""Browser tests: headless Chromium from the Debian packages, driven by Selenium."""
