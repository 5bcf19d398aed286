/**
 * Local-time stamps for the two logs, in gunicorn's formats: the error log's
 * `[2026-11-24 16:51:10 +0800]` (Python `[%Y-%m-%d %H:%M:%S %z]`) and the
 * access log's `[24/Nov/2026:16:51:10 +0800]` (`[%d/%b/%Y:%H:%M:%S %z]`).
 * Each formatter remembers the last second it rendered, so a burst of lines
 * in the same second costs one comparison each.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Python's `%z`: `+0800`, `-0500`, `+0000`. */
function formatUtcOffset(date: Date): string {
  const offsetMinutes = -Math.trunc(date.getTimezoneOffset());
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
}

function formatClock(date: Date): string {
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

function cacheBySecond(render: (date: Date) => string): (epochMs: number) => string {
  let cachedSecond = Number.NaN;
  let cachedText = '';
  return (epochMs) => {
    const second = Math.floor(epochMs / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedText = render(new Date(second * 1000));
    }
    return cachedText;
  };
}

/** `[2026-11-24 16:51:10 +0800]`, the error log's stamp. */
export const formatErrorLogTime = cacheBySecond(
  (d) =>
    `[${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${formatClock(d)} ${formatUtcOffset(d)}]`,
);

/** `[24/Nov/2026:16:51:10 +0800]`, the access log's `t` atom. */
export const formatAccessLogTime = cacheBySecond(
  (d) =>
    `[${pad2(d.getDate())}/${MONTHS[d.getMonth()] ?? ''}/${d.getFullYear()}:` +
    `${formatClock(d)} ${formatUtcOffset(d)}]`,
);
