// Helpers shared by the k6 scripts of this folder: settings from -e NAME=value, the admin API, and
// reading the gateway's answers (JSON bodies, problem+json codes).
import http from 'k6/http';

/** The gateway (or the load balancer in front of it), without a trailing slash. */
export const BASE_URL = (__ENV.BASE_URL || 'http://localhost:8080').replace(/\/+$/, '');

/** Bearer token of the admin API (dev services default; compose default is change-me). */
export const ADMIN_TOKEN = __ENV.ADMIN_TOKEN || 'dev-admin-token';

/** Every status a claim may answer with in a healthy run; anything else is a bug or an outage. */
export const CLAIM_STATUSES = [201, 202, 409, 410, 429, 503];

/** An integer setting, or its default; a malformed value stops the test at once. */
export function envInt(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new Error(`${name} must be an integer, got '${raw}'`);
  }
  return value;
}

/** A number setting, or its default. */
export function envFloat(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new Error(`${name} must be a number, got '${raw}'`);
  }
  return value;
}

/** A string setting, or its default. */
export function envString(name, fallback) {
  const raw = __ENV[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

/** The parsed JSON body of a response, or null when there is none or it is not JSON. */
export function bodyJson(res) {
  if (!res || typeof res.body !== 'string' || res.body.length === 0) {
    return null;
  }
  try {
    return JSON.parse(res.body);
  } catch (e) {
    return null;
  }
}

/** The `code` member of a problem+json answer, or '' when there is none. */
export function problemCode(body) {
  return body && typeof body.code === 'string' ? body.code : '';
}

/** A short text of a response, for log lines. */
export function describe(res) {
  const body = typeof res.body === 'string' ? res.body.substring(0, 300).replace(/\r?\n/g, '\\n') : '';
  return `HTTP ${res.status}${res.error ? ` (${res.error})` : ''} ${body}`;
}

/**
 * Creates a campaign through the admin API and returns `{ id, total, perUserLimit, reused }`. When `reuseExisting`
 * is true and a campaign with the same id exists (409 CAMPAIGN_EXISTS), the existing one is used.
 * Throws (which stops the test before any load) on anything else.
 */
export function createCampaign(campaign, reuseExisting) {
  const res = http.post(`${BASE_URL}/api/admin/campaigns`, JSON.stringify(campaign), {
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
    tags: { name: 'admin-create-campaign' },
    timeout: '30s',
  });
  if (res.status === 201) {
    return settingsOf(bodyJson(res), campaign, false);
  }
  if (res.status === 409 && reuseExisting && problemCode(bodyJson(res)) === 'CAMPAIGN_EXISTS') {
    console.warn(`campaign ${campaign.id} exists already: reusing it (its settings win, counts include earlier runs)`);
    const existing = http.get(`${BASE_URL}/api/campaigns/${campaign.id}`, { tags: { name: 'campaign' }, timeout: '30s' });
    if (existing.status !== 200) {
      throw new Error(`could not read campaign ${campaign.id}: ${describe(existing)}`);
    }
    return settingsOf(bodyJson(existing), campaign, true);
  }
  throw new Error(`could not create campaign ${campaign.id} at ${BASE_URL}: ${describe(res)}`);
}

function settingsOf(view, requested, reused) {
  const v = view || {};
  return {
    id: typeof v.id === 'string' ? v.id : requested.id,
    total: typeof v.totalStock === 'number' ? v.totalStock : requested.totalStock,
    perUserLimit: typeof v.perUserLimit === 'number' ? v.perUserLimit : (requested.perUserLimit || 1),
    reused,
  };
}

/** GET /api/campaigns/{id}/stock, parsed; throws when it does not answer 200 with a stock document. */
export function readStock(campaignId) {
  const res = http.get(`${BASE_URL}/api/campaigns/${campaignId}/stock`, {
    tags: { name: 'stock' },
    timeout: '30s',
  });
  const body = bodyJson(res);
  if (res.status !== 200 || !body || typeof body.issued !== 'number') {
    throw new Error(`could not read the stock of ${campaignId}: ${describe(res)}`);
  }
  return body;
}

/** The invariants of one stock document; an empty list when it is consistent. */
export function stockViolations(stock, expectedTotal) {
  const problems = [];
  if (typeof expectedTotal === 'number' && stock.total !== expectedTotal) {
    problems.push(`total ${stock.total} != created ${expectedTotal}`);
  }
  if (stock.issued > stock.total) {
    problems.push(`OVERSOLD: issued ${stock.issued} > total ${stock.total}`);
  }
  if (stock.issued < 0 || stock.remaining < 0) {
    problems.push(`negative count: issued ${stock.issued}, remaining ${stock.remaining}`);
  }
  if (stock.remaining !== stock.total - stock.issued) {
    problems.push(`remaining ${stock.remaining} != total ${stock.total} - issued ${stock.issued}`);
  }
  return problems;
}

/** A short run id (base 36 time), to keep user ids of different runs apart. */
export function runId() {
  return Date.now().toString(36);
}
