/**
 * The API key lives in this tab's sessionStorage only: gone when the tab closes, never in a URL,
 * a cookie or localStorage (which other tabs and later sessions would share).
 */
const KEY = "numbers.console.apiKey";

export function storedKey(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string) {
  window.sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
  window.sessionStorage.removeItem(KEY);
}
