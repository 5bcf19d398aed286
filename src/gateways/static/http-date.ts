/**
 * HTTP-date, RFC 9110 §5.6.7: IMF-fixdate out; the three forms a recipient
 * must accept in (IMF-fixdate, the obsolete RFC 850 form, and C's asctime),
 * all in GMT. Not Date.parse: it reads asctime as local time and accepts
 * forms the RFC does not, which would turn an invalid date (to be ignored)
 * into a comparison.
 *
 * Pure.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC_850 = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** `Sun, 06 Nov 1994 08:49:37 GMT` for epoch ms (the fraction of a second is dropped). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Epoch ms, or null when `value` is missing or not an HTTP-date (RFC 9110 then says to ignore it). */
export function parseHttpDate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) return toMs(match[3], match[2], match[1], match.slice(4, 7));
  match = RFC_850.exec(text);
  if (match !== null) return toMs(fullYear(Number(match[3])), match[2], match[1], match.slice(4, 7));
  match = ASCTIME.exec(text);
  if (match !== null) return toMs(match[6], match[1], match[2], match.slice(3, 6));
  return null;
}

/**
 * §5.6.7: a two-digit year that would be more than 50 years in the future
 * is in the past century. Reads the clock: the one impurity here.
 */
function fullYear(twoDigits: number): string {
  const now = new Date().getUTCFullYear();
  let year = Math.floor(now / 100) * 100 + twoDigits;
  if (year > now + 50) year -= 100;
  return String(year);
}

function toMs(year: string | undefined, month: string | undefined, day: string | undefined, time: readonly (string | undefined)[]): number | null {
  const monthIndex = MONTHS.indexOf(month ?? '');
  const [hours, minutes, seconds] = time.map(Number);
  if (monthIndex < 0 || hours === undefined || minutes === undefined || seconds === undefined) return null;
  const dayOfMonth = Number(day);
  const ms = Date.UTC(Number(year), monthIndex, dayOfMonth, hours, minutes, seconds);
  // Reject what Date.UTC would roll over (31 Feb, 25:00), rather than compare with a different date.
  const date = new Date(ms);
  if (date.getUTCDate() !== dayOfMonth || date.getUTCHours() !== hours || date.getUTCMinutes() !== minutes || date.getUTCSeconds() !== seconds) return null;
  return ms;
}
