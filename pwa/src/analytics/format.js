// How a KPI value reads on screen, from the unit the API gives with it (kpis.definitions()).
import { language } from '../shared/i18n.js';
import { formatMoney } from '../shared/time.js';

const locale = () => (language() === 'fr' ? 'fr-CA' : 'en-CA');

export function number(value, digits = 0) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
}

/** The value as read on screen; '—' when the API has none (e.g. no delivery in the period). */
export function formatKpi(value, unit) {
  if (value == null || Number.isNaN(value)) return '—';
  switch (unit) {
    case 'ratio': return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(value);
    case 'cents': return formatMoney(value);
    case 's': return value >= 60 ? `${number(value / 60, 1)} min` : `${number(value)} s`;
    case 'm': return value >= 1000 ? `${number(value / 1000, 1)} km` : `${number(value)} m`;
    case 'g': return value >= 1000 ? `${number(value / 1000, 2)} kg` : `${number(value)} g`;
    case 'stops/h': return number(value, 2);
    case '1-5': return number(value, 2);
    default: return number(value, 2);
  }
}

/** A signed change, in the KPI's unit (a ratio's change reads in percentage points). */
export function formatTrend(trend, unit) {
  if (trend == null) return '—';
  const sign = trend > 0 ? '+' : trend < 0 ? '−' : '±';
  const size = Math.abs(trend);
  if (unit === 'ratio') return `${sign}${number(size * 100, 1)} pt`;
  return `${sign}${formatKpi(size, unit)}`;
}

/** A goal target as typed in the input: ratios as percentages, other units as the API stores them. */
export function targetToInput(target, unit) {
  if (target == null) return '';
  return unit === 'ratio' ? String(Math.round(target * 1000) / 10) : String(target);
}

export function inputToTarget(text, unit) {
  const value = Number(String(text).replace(',', '.'));
  if (!Number.isFinite(value)) return null;
  return unit === 'ratio' ? value / 100 : value;
}

export function inputUnit(unit) {
  return { ratio: '%', cents: '¢', s: 's', m: 'm', g: 'g', 'stops/h': '/h', '1-5': '/5' }[unit] || '';
}

export function duration(seconds) {
  const minutes = Math.round((seconds || 0) / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
}
