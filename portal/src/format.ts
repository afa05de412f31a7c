// Numbers, money and dates as people in Mexico read them (es-MX).
const money = new Intl.NumberFormat("es-MX", { style: "currency", currency: "MXN", maximumFractionDigits: 0 });
const number = new Intl.NumberFormat("es-MX");
const date = new Intl.DateTimeFormat("es-MX", { day: "numeric", month: "long", year: "numeric", timeZone: "America/Mexico_City" });
const dateTime = new Intl.DateTimeFormat("es-MX", { dateStyle: "medium", timeStyle: "short", timeZone: "America/Mexico_City" });

export const formatMoney = (amount: number | string | null | undefined): string =>
  amount === null || amount === undefined || amount === "" ? "—" : money.format(Number(amount));

export const formatNumber = (value: number | null | undefined): string =>
  value === null || value === undefined ? "—" : number.format(value);

/** "2025-03-15" or an ISO timestamp → "15 de marzo de 2025". Dates without a time are civil dates. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const civil = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const value = new Date(civil ? `${iso}T12:00:00-06:00` : iso);
  return Number.isNaN(value.getTime()) ? iso : date.format(value);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const value = new Date(iso);
  return Number.isNaN(value.getTime()) ? iso : dateTime.format(value);
}

export const formatPercent = (value: number | null | undefined): string =>
  value === null || value === undefined ? "—" : `${Math.round(value)} %`;

// H3 (appended): money to the cent, for data tables next to charts (a chart
// may round to pesos; its table must match the API's figures exactly).
const moneyExact = new Intl.NumberFormat("es-MX", { style: "currency", currency: "MXN", minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const formatMoneyExact = (amount: number | string | null | undefined): string =>
  amount === null || amount === undefined || amount === "" ? "—" : moneyExact.format(Number(amount));
