// Helpers shared by the k6 scripts of this folder: settings from -e NAME=value, the admin API, and
// reading the gateway's answers (JSON bodies, problem+json codes).
import http from 'k6/http';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';

/** The gateway (or the load balancer in front of it), without a trailing slash. */
export const BASE_URL = (__ENV.BASE_URL || 'http://localhost:8080').replace(/\/+$/, '');

/** Bearer token of the admin API (dev services default; compose default is change-me). */
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
