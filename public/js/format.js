// Times and sizes for people.

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateAndTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

export function parseTime(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "14:05" today, "Mar 3, 14:05" on other days. */
export function shortTime(date, now = new Date()) {
  if (!date) return "";
  const sameDay = date.toDateString() === now.toDateString();
  return (sameDay ? timeOnly : dateAndTime).format(date);
}

export function longTime(date) {
  return date ? full.format(date) : "";
}

export function megabytes(bytes) {
  return `${(bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0)} MB`;
}
