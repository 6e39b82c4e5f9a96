import { normaliseAccountId } from '../core/account-id.js';

/**
 * What the audit log can be narrowed to, read from a query string: pure, so the admin page and the CSV
 * export agree on one meaning, and a bad value is a message beside its field rather than an error.
 */
export interface AuditFilter {
  /** An exact event (`licence.transition`) or a family (`licence.` matches every event starting so). */
  event?: string;
  /** A kind of actor (`account`, `staff`, `instance`, `system`, `cli`…) or one actor exactly (`staff:ann@example.com`). */
  actor?: string;
  awsAccountId?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface FilterInput {
  event?: string;
  actor?: string;
  account?: string;
  from?: string;
  to?: string;
}

export type FilterResult = { ok: true; filter: AuditFilter } | { ok: false; problems: Partial<Record<keyof FilterInput, string>> };

const EVENT = /^[a-z_]+(\.[a-z_]*)?$/;
const ACTOR_KIND = /^[a-z_-]+$/;

/** A date (midnight UTC) or a full ISO timestamp. */
function parseTime(text: string): Date | undefined {
  const value = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
  return Number.isNaN(value.getTime()) ? undefined : value;
}

export function parseAuditFilter(input: FilterInput): FilterResult {
  const filter: AuditFilter = {};
  const problems: Partial<Record<keyof FilterInput, string>> = {};
  const event = input.event?.trim() ?? '';
  if (event !== '') {
    if (EVENT.test(event)) filter.event = event;
    else problems.event = 'An event looks like licence.transition, or licence. for every licence event.';
  }
  const actor = input.actor?.trim() ?? '';
  if (actor !== '') {
    if (actor.length <= 320 && (ACTOR_KIND.test(actor) || /^[a-z_-]+:\S+$/.test(actor))) filter.actor = actor;
    else problems.actor = 'An actor is a kind (account, staff, instance, system, cli) or one actor such as staff:ann@example.com.';
  }
  const account = input.account?.trim() ?? '';
  if (account !== '') {
    const parsed = normaliseAccountId(account);
    if (parsed.ok) filter.awsAccountId = parsed.accountId;
    else problems.account = parsed.message;
  }
  for (const field of ['from', 'to'] as const) {
    const text = input[field]?.trim() ?? '';
    if (text === '') continue;
    const time = parseTime(text);
    if (time === undefined) problems[field] = 'Enter a date as 2026-12-31, or a time as 2026-12-31T18:00:00Z.';
    else filter[field] = time;
  }
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) problems.to = 'The end must come after the start.';
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, filter };
}
