import { getParser } from 'bowser';

const UNKNOWN_BROWSER = 'Unknown browser';

/** "Chrome 140 on Linux" from a user agent, for the session list; "Unknown browser" when it says nothing useful. */
export function describeDevice(userAgent: string): string {
  if (userAgent.trim() === '') return UNKNOWN_BROWSER;
  const parser = getParser(userAgent);
  const browser = parser.getBrowser();
  const os = parser.getOS();
  const name = browser.name ?? '';
  const major = (browser.version ?? '').split('.')[0] ?? '';
  const osName = [os.name ?? '', os.name === 'Windows' ? (os.versionName ?? '') : ''].filter((part) => part !== '').join(' ');
  const what = name === '' ? UNKNOWN_BROWSER : major === '' ? name : `${name} ${major}`;
  return osName === '' ? what : `${what} on ${osName}`;
}
