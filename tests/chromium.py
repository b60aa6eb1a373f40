"""Starting the headless Chromium that the browser tests drive (Debian's chromium and
chromium-driver through selenium), in one place so that both browser test files fail the same
way when it is missing and see the same browser apart from the window height they need."""
from __future__ import annotations

import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def start_chromium(window_size: str) -> webdriver.Chrome:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, ("the browser tests need Debian's chromium and chromium-driver "
                                      "(apt-get install -y chromium chromium-driver); see the README's test command")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={window_size}", "--lang=en-US", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def browser_fixture(window_size: str):
    """A module's browser: one headless Chromium of this window size for all of its tests."""
    @pytest.fixture(scope="module")
    def browser():
        driver = start_chromium(window_size)
        yield driver
        driver.quit()
    return browser
