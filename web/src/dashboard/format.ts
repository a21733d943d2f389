import type { DashboardKpi } from '../../../common/api-types';

/** The reader's own locale (the browser's), for numbers, dates and times. */
const locale = () => (typeof navigator === 'undefined' ? 'en' : navigator.language);

/** A KPI's value as shown: grouped digits, one decimal for percentages, "No data" for null. */
export function formatValue(kpi: Pick<DashboardKpi, 'value' | 'unit'>, signed = false): string {
  if (kpi.value === null) return 'No data';
  const digits = kpi.unit === '%' ? 1 : Number.isInteger(kpi.value) ? 0 : 1;
  return kpi.value.toLocaleString(locale(), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    signDisplay: signed ? 'exceptZero' : 'auto',
  });
}

/** `14:05` today, `Tue 14:05` this week, else a date and time — in the reader's locale. */
export function formatTime(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const t = new Date(iso);
  const sameDay = new Date(now).toDateString() === t.toDateString();
  const opts: Intl.DateTimeFormatOptions = sameDay
    ? { hour: '2-digit', minute: '2-digit' }
    : now - t.getTime() < 6 * 86_400_000
      ? { weekday: 'short', hour: '2-digit', minute: '2-digit' }
      : { dateStyle: 'medium', timeStyle: 'short' };
  return t.toLocaleString(locale(), opts);
}
