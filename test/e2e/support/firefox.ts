/**
 * Firefox ESR for the tests (no vitest here): the Debian `firefox-esr` driven headless by puppeteer-core
 * over WebDriver BiDi (no geckodriver), with a fresh profile per launch. The prefs let WebRTC gather
 * plain host candidates inside the test's network namespace (veth 198.51.100.1) and on loopback, as
 * Chromium's flags do in chromium.ts; without them Firefox offers only obfuscated mDNS names, which
 * nothing here resolves.
 */
import { accessSync, constants } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

/** The Firefox binary (override with `FIREFOX_PATH`). */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Preferences of every launch. */
export const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>> = {
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.link_local': true,
  // No prompts, no background chatter, no update checks.
  'media.navigator.permission.disabled': true,
  'browser.shell.checkDefaultBrowser': false,
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'extensions.update.enabled': false,
};

/** Why Firefox cannot run here, or `undefined` when it can. */
export function firefoxUnavailableReason(): string | undefined {
  try {
    accessSync(FIREFOX_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `Firefox ESR not found at ${FIREFOX_PATH} (install the Debian package "firefox-esr" or set FIREFOX_PATH)`;
  }
}

/** Launches headless Firefox ESR over WebDriver BiDi. */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    protocol: 'webDriverBiDi',
    extraPrefsFirefox: { ...FIREFOX_PREFS },
    // Pages keep the window's own size: `setViewport` (and the default viewport) also sends
    // `emulation.setScreenOrientationOverride`, which Firefox ESR 140 does not know (153 does).
    defaultViewport: null,
    timeout: 60_000,
  });
}
