// Helpers shared by the k6 scripts of this folder: settings from -e NAME=value, the shared options
// (thresholds, trend columns, timeouts, expected statuses), the admin API, reading the gateway's answers
// (JSON bodies, problem+json codes), failing a run, and the end-of-test summary (a JSON file under
// RESULTS_DIR and a text summary on stdout, without any remote module).
import http from 'k6/http';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import exec from 'k6/execution';

/** The gateway (or the load balancer in front of it), without a trailing slash. */
export const BASE_URL = (__ENV.BASE_URL || 'http://localhost:8080').replace(/\/+$/, '');

/** Bearer token of the admin API in `header` mode (the dev services' default; compose runs `jwt` mode). */
export const ADMIN_TOKEN = __ENV.ADMIN_TOKEN || 'dev-admin-token';

/**
 * How the gateway tells callers apart (its `coupon.identity`): `header` sends `X-User-Id`; `jwt` mints an
 * HS256 bearer token per user with JWT_SECRET (and JWT_ISSUER, JWT_AUDIENCE when the gateway checks them),
 * and an admin token with the `coupon-admin` scope for the admin API.
 */
export const IDENTITY = __ENV.IDENTITY || 'header';

const JWT_SECRET = __ENV.JWT_SECRET || '';

const tokens = new Map();

function mint(claims) {
  const b64 = (text) => encoding.b64encode(text, 'rawurl');
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const now = Math.floor(Date.now() / 1000);
  const body = Object.assign({ iat: now, exp: now + 3600 }, claims);
  if (__ENV.JWT_ISSUER) {
    body.iss = __ENV.JWT_ISSUER;
  }
  if (__ENV.JWT_AUDIENCE) {
    body.aud = __ENV.JWT_AUDIENCE;
  }
  const unsigned = `${head}.${b64(JSON.stringify(body))}`;
  return `${unsigned}.${encoding.b64encode(crypto.hmac('sha256', JWT_SECRET, unsigned, 'binary'), 'rawurl')}`;
}

/** The headers that make a request the user's: `X-User-Id`, or a bearer token minted once per user (jwt). */
export function userHeaders(userId) {
  if (IDENTITY !== 'jwt') {
    return { 'X-User-Id': userId };
  }
  if (JWT_SECRET.length < 32) {
    throw new Error('IDENTITY=jwt needs JWT_SECRET (the gateway\'s coupon.jwt.secret, 32 bytes or more)');
  }
  let token = tokens.get(userId);
  if (!token) {
    token = mint({ sub: userId });
    tokens.set(userId, token);
  }
  return { Authorization: `Bearer ${token}` };
}

/** The Authorization header of the admin API: the static token (header mode) or an admin-scoped JWT. */
export function adminAuthorization() {
  return IDENTITY === 'jwt' ? `Bearer ${mint({ sub: 'k6-operator', scope: 'coupon-admin' })}` : `Bearer ${ADMIN_TOKEN}`;
}

/** Every status a claim may answer with in a healthy run; anything else is a bug or an outage. */
export const CLAIM_STATUSES = [201, 202, 409, 410, 429, 503];

/**
 * Tells k6 that a claim's 4xx answers are outcomes, not failures: http_req_failed then counts only the
 * rest. For scripts whose requests are claims, the stock and a user's coupons.
 */
export function expectClaimAnswers() {
  http.setResponseCallback(http.expectedStatuses({ min: 200, max: 204 }, 409, 410, 429, 503));
}

/**
 * The thresholds of every script: almost no answer the contract does not allow, every check passing,
 * nothing oversold. A script adds its own next to them.
 */
export const PROMISE_THRESHOLDS = {
  unexpected_answers: ['rate<0.001'],
  oversold: ['count<1'],
  checks: ['rate>0.999'],
};

/** Almost no failed request (what the script's response callback does not expect). */
export const FEW_FAILED_REQUESTS = { http_req_failed: ['rate<0.001'] };

/** The summary's trend columns, p(99) included. */
export const TREND_STATS = ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'];

/**
 * A script's k6 options: its scenarios and thresholds, the summary's trend columns (TREND_STATS unless it
 * says otherwise) and 60 s for setup and teardown (unless it says otherwise).
 */
export function scriptOptions({ scenarios, thresholds, summaryTrendStats = TREND_STATS, setupTimeout = '60s', teardownTimeout = '60s' }) {
  return { scenarios, thresholds, summaryTrendStats, setupTimeout, teardownTimeout };
}

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
    headers: { 'Content-Type': 'application/json', Authorization: adminAuthorization() },
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

/**
 * Marks the run failed (exit code 110) even when thresholds are ignored (--no-thresholds); k6 versions
 * without exec.test.fail abort it instead (exit code 108).
 */
export function failTest(message) {
  console.error(message);
  if (typeof exec.test.fail === 'function') {
    exec.test.fail(message);
  } else {
    exec.test.abort(message);
  }
}

/**
 * What a script's handleSummary returns: k6's summary data as JSON in
 * RESULTS_DIR/<script>-<UTC timestamp>.json (RESULTS_DIR defaults to k6/results, relative to the directory
 * k6 runs in; k6 does not create it) and a text summary on stdout. k6 prints its own text summary only
 * when handleSummary returns nothing, and its formatter is a remote jslib module (network at run time),
 * so the text comes from textSummary below.
 */
export function summary(script, data) {
  const dir = envString('RESULTS_DIR', 'k6/results').replace(/\/+$/, '');
  const file = `${dir}/${script}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  const result = { stdout: `${textSummary(data)}\n  summary: ${file}\n\n` };
  result[file] = JSON.stringify(data, null, 2);
  return result;
}

/** A plain-text end-of-test summary of k6's summary data: thresholds, checks, then every metric. */
export function textSummary(data) {
  const metrics = (data && data.metrics) || {};
  const names = Object.keys(metrics).sort();
  const stats = (data && data.options && data.options.summaryTrendStats) || ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
  const lines = [''];
  const thresholds = [];
  names.forEach((name) => {
    const t = metrics[name].thresholds || {};
    Object.keys(t).forEach((expr) => thresholds.push(`  ${t[expr].ok ? '✓' : '✗'} ${name} ${expr}: ${metricText(metrics[name], stats)}`));
  });
  if (thresholds.length > 0) {
    const crossed = thresholds.filter((l) => l.startsWith('  ✗')).length;
    lines.push(`THRESHOLDS (${crossed === 0 ? 'all passed' : `${crossed} crossed`})`, ...thresholds, '');
  }
  const checks = [];
  collectChecks(data && data.root_group, '', checks);
  if (checks.length > 0) {
    lines.push('CHECKS');
    checks.forEach((c) => lines.push(`  ${c.fails === 0 ? '✓' : '✗'} ${c.name}: ${c.passes} passed, ${c.fails} failed`));
    lines.push('');
  }
  const width = names.reduce((w, n) => Math.max(w, n.length), 0) + 3;
  lines.push('METRICS');
  names.forEach((name) => lines.push(`  ${(`${name} `).padEnd(width, '.')}: ${metricText(metrics[name], stats)}`));
  const ms = data && data.state ? data.state.testRunDurationMs : undefined;
  if (typeof ms === 'number') {
    lines.push('', `  test run: ${formatValue(ms, 'time')}`);
  }
  return lines.join('\n');
}

function collectChecks(group, prefix, out) {
  if (!group) {
    return;
  }
  const path = group.name ? `${prefix}${group.name} / ` : prefix;
  (group.checks || []).forEach((c) => out.push({ name: `${path}${c.name}`, passes: c.passes, fails: c.fails }));
  (group.groups || []).forEach((g) => collectChecks(g, path, out));
}

function metricText(metric, stats) {
  const v = metric.values || {};
  const unit = metric.contains;
  switch (metric.type) {
    case 'counter':
      return `${formatValue(v.count, unit)} (${formatValue(v.rate, 'default')}/s)`;
    case 'gauge':
      return `${formatValue(v.value, unit)} min=${formatValue(v.min, unit)} max=${formatValue(v.max, unit)}`;
    case 'rate':
      return `${formatValue(100 * v.rate, 'default')}% (${v.passes} of ${v.passes + v.fails})`;
    case 'trend':
      return stats.filter((s) => v[s] !== undefined).map((s) => `${s}=${formatValue(v[s], s === 'count' ? 'default' : unit)}`).join(' ');
    default:
      return JSON.stringify(v);
  }
}

function formatValue(value, unit) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return String(value);
  }
  const round = (x) => String(Math.round(x * 100) / 100);
  if (unit === 'time') {
    if (value >= 1000) {
      return `${round(value / 1000)}s`;
    }
    return value >= 1 ? `${round(value)}ms` : `${round(value * 1000)}µs`;
  }
  if (unit === 'data') {
    const units = ['B', 'kB', 'MB', 'GB'];
    let i = 0;
    let x = value;
    while (x >= 1000 && i < units.length - 1) {
      x /= 1000;
      i++;
    }
    return `${round(x)} ${units[i]}`;
  }
  return round(value);
}
