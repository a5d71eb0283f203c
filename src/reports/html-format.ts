import { cleanText } from './clean-text.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML content or a quoted attribute: ANSI and control characters removed, markup escaped. */
export function escapeHtml(text: string): string {
  return cleanText(text).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`; `–` when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) {
    return '–';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  }
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** `512 B`, `3.4 KiB`, `1.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(1)} KiB`;
  }
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** An ISO time as `2025-01-31 09:15:02 UTC` inside a `<time>` element; `–` when absent. */
export function formatTime(iso: string | null): string {
  const time = iso === null ? NaN : Date.parse(iso);
  if (!Number.isFinite(time)) {
    return '–';
  }
  const utc = new Date(time).toISOString();
  return `<time datetime="${escapeHtml(utc)}">${escapeHtml(`${utc.slice(0, 10)} ${utc.slice(11, 19)} UTC`)}</time>`;
}

/** Milliseconds between two ISO times, or null when either is missing. */
export function measureSpan(from: string | null, to: string | null): number | null {
  const start = from === null ? NaN : Date.parse(from);
  const end = to === null ? NaN : Date.parse(to);
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : null;
}
