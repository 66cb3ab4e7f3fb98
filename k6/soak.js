// Soak: a moderate, constant arrival rate for a long time, mixing claims, stock reads and /mine reads
// over several campaigns, plus a slow probe that follows single grants all the way to PostgreSQL
// (PENDING/ISSUED -> STORED). What it shows: latency that does not creep up, no unexpected answer,
// a writer that keeps up (time to STORED stays flat), and consistent stock counts at the end.
//
//   k6 run k6/soak.js
//   k6 run -e BASE_URL=http://localhost:8080 -e IDENTITY=jwt -e JWT_SECRET=$COUPON_JWT_SECRET -e RATE=300 -e DURATION=1h k6/soak.js
//
// Settings (-e NAME=value), with their defaults:
//   BASE_URL=http://localhost:8080  ADMIN_TOKEN=dev-admin-token   RESULTS_DIR=k6/results (the JSON summary)
//   IDENTITY=header   (jwt: bearer tokens minted per user with JWT_SECRET; JWT_ISSUER, JWT_AUDIENCE when checked)
//   DURATION=10m  RATE=200 (iterations/s)  PRE_VUS=50  MAX_VUS=500
//   CAMPAIGNS=3  STOCK=25000 (each; the last campaign gets STOCK/20, so it sells out during the soak)
//   PER_USER=1  USERS=200000 (user ids are drawn from this pool, so some claims repeat a user)
//   CLAIM_SHARE=0.5  STOCK_SHARE=0.3 (the rest are /coupons/mine reads)
//   P95_MS=200 (p95 threshold of each endpoint)  TIMEOUT=10s
//   PROBE_EVERY=10s  PROBE_TIMEOUT=30 (seconds)  STORED_P95_MS=5000 (grant -> STORED, p95)
// See k6/README.md for how to read the result.
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import {
  BASE_URL, CLAIM_STATUSES, FEW_FAILED_REQUESTS, PROMISE_THRESHOLDS, bodyJson, createCampaign, describe, envFloat,
  envInt, envString, expectClaimAnswers, problemCode, failTest, readStock, runId, scriptOptions, stockViolations,
  summary, userHeaders,
} from './lib.js';

const DURATION = envString('DURATION', '10m');
const CAMPAIGNS = Math.max(1, envInt('CAMPAIGNS', 3));
const STOCK = envInt('STOCK', 25000);
const PER_USER = envInt('PER_USER', 1);
const USERS = envInt('USERS', 200000);
const CLAIM_SHARE = envFloat('CLAIM_SHARE', 0.5);
const STOCK_SHARE = envFloat('STOCK_SHARE', 0.3);
const P95_MS = envInt('P95_MS', 200);
const TIMEOUT = envString('TIMEOUT', '10s');
const PROBE_TIMEOUT_S = envInt('PROBE_TIMEOUT', 30);
const STORED_P95_MS = envInt('STORED_P95_MS', 5000);

const granted201 = new Counter('granted_201');
const granted202 = new Counter('granted_202');
const soldOut = new Counter('sold_out');
const alreadyIssued = new Counter('already_issued');
const rateLimited = new Counter('rate_limited');
const unavailable = new Counter('unavailable');
const other = new Counter('other');
const unexpected = new Rate('unexpected_answers');
const timeToStored = new Trend('time_to_stored', true);
const storedInTime = new Rate('stored_in_time');
const oversold = new Counter('oversold');

expectClaimAnswers();

export const options = scriptOptions({
  scenarios: {
    mixed: {
      executor: 'constant-arrival-rate',
      exec: 'mixed',
      rate: envInt('RATE', 200),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: envInt('PRE_VUS', 50),
      maxVUs: envInt('MAX_VUS', 500),
      gracefulStop: '30s',
    },
    persistence: {
      executor: 'constant-arrival-rate',
      exec: 'probe',
      rate: 1,
      timeUnit: envString('PROBE_EVERY', '10s'),
      duration: DURATION,
      preAllocatedVUs: 5,
      maxVUs: 20,
      gracefulStop: `${PROBE_TIMEOUT_S + 5}s`,
    },
  },
  thresholds: {
    ...PROMISE_THRESHOLDS,
    ...FEW_FAILED_REQUESTS,
    'http_req_duration{name:claim}': [`p(95)<${P95_MS}`],
    'http_req_duration{name:stock}': [`p(95)<${P95_MS}`],
    'http_req_duration{name:mine}': [`p(95)<${P95_MS}`],
    time_to_stored: [`p(95)<${STORED_P95_MS}`],
    stored_in_time: ['rate>0.99'],
  },
  setupTimeout: '120s',
});

export function setup() {
  const run = runId();
  const campaigns = [];
  for (let i = 0; i < CAMPAIGNS; i++) {
    const small = CAMPAIGNS > 1 && i === CAMPAIGNS - 1;
    const stock = small ? Math.max(1, Math.floor(STOCK / 20)) : STOCK;
    const id = `soak-${run}-${i}`;
    const created = createCampaign({ id, name: `k6 soak ${id}`, totalStock: stock, perUserLimit: PER_USER }, false);
    campaigns.push({ id: created.id, total: created.total });
  }
  // The probe's own campaign: enough stock for one grant per probe.
  const probeId = `soak-${run}-probe`;
  const probe = createCampaign({ id: probeId, name: `k6 soak probe ${probeId}`, totalStock: 1000000 }, false);
  console.log(`soak: ${campaigns.map((c) => `${c.id} (stock ${c.total})`).join(', ')}, probe ${probe.id}, `
    + `for ${DURATION} at ${BASE_URL}`);
  return { run, campaigns, probe: { id: probe.id, total: probe.total } };
}

// Per VU, a bounded sample of grants it saw, so /mine can be checked against them.
const myGrants = []; // { campaignId, userId, couponId }
// Per VU, the highest `issued` seen per campaign: counts only grow.
const lastIssued = {};

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function poolUser(data) {
  return `${data.run}-u${Math.floor(Math.random() * USERS)}`;
}

export function mixed(data) {
  const roll = Math.random();
  if (roll < CLAIM_SHARE) {
    claim(data, pick(data.campaigns), poolUser(data));
  } else if (roll < CLAIM_SHARE + STOCK_SHARE) {
    stock(pick(data.campaigns));
  } else if (myGrants.length > 0 && Math.random() < 0.5) {
    const g = pick(myGrants);
    mine(g.campaignId, g.userId, g.couponId);
  } else {
    mine(pick(data.campaigns).id, poolUser(data), null);
  }
}

function claim(data, campaign, userId) {
  const res = http.post(`${BASE_URL}/api/campaigns/${campaign.id}/coupons`, null, {
    headers: userHeaders(userId),
    tags: { name: 'claim' },
    timeout: TIMEOUT,
  });
  const body = bodyJson(res);
  const code = problemCode(body);
  check(res, {
    'claim status is 201/202/409/410/429/503': (r) => CLAIM_STATUSES.indexOf(r.status) >= 0,
    'no 5xx other than 503': (r) => r.status < 500 || r.status === 503,
  });
  let wrong = '';
  if (res.status === 201 || res.status === 202) {
    const ok = check(body, {
      'grant has a couponId': (b) => !!b && typeof b.couponId === 'string' && b.couponId.length > 0,
      'grant sequence within 1..totalStock': (b) => !!b && b.sequence >= 1 && b.sequence <= campaign.total,
      'grant state matches status (201 ISSUED, 202 PENDING)': (b) => !!b && b.state === (res.status === 201 ? 'ISSUED' : 'PENDING'),
    });
    if (!ok) {
      wrong = 'grant failed its checks (couponId / sequence within 1..totalStock / state)';
    }
    (res.status === 201 ? granted201 : granted202).add(1);
    if (body && body.couponId) {
      if (myGrants.length >= 100) {
        myGrants.shift();
      }
      myGrants.push({ campaignId: campaign.id, userId, couponId: body.couponId });
    }
  } else if (res.status === 409 && code === 'ALREADY_ISSUED') {
    alreadyIssued.add(1);
    if (!check(body, { 'ALREADY_ISSUED lists the held coupons': (b) => !!b && Array.isArray(b.couponIds) && b.couponIds.length >= PER_USER })) {
      wrong = 'ALREADY_ISSUED without coupons';
    }
  } else if (res.status === 410 && code === 'SOLD_OUT') {
    soldOut.add(1);
  } else if (res.status === 429) {
    rateLimited.add(1);
  } else if (res.status === 503) {
    unavailable.add(1);
  } else {
    other.add(1);
    wrong = 'unexpected answer';
  }
  unexpected.add(wrong !== '');
  if (wrong) {
    console.error(`claim ${campaign.id} user=${userId}: ${wrong}: ${describe(res)}`);
  }
}

function stock(campaign) {
  const res = http.get(`${BASE_URL}/api/campaigns/${campaign.id}/stock`, { tags: { name: 'stock' }, timeout: TIMEOUT });
  const body = bodyJson(res);
  let wrong = '';
  if (!check(res, { 'stock is 200': (r) => r.status === 200 }) || !body) {
    wrong = 'no stock document';
  } else {
    const problems = stockViolations(body, campaign.total);
    const previous = lastIssued[campaign.id] || 0;
    if (body.issued < previous) {
      problems.push(`issued went down: ${previous} -> ${body.issued}`);
    }
    lastIssued[campaign.id] = Math.max(previous, body.issued);
    if (!check(problems, { 'stock is consistent (issued <= total, remaining = total - issued, never decreasing)': (p) => p.length === 0 })) {
      wrong = problems.join('; ');
    }
  }
  unexpected.add(wrong !== '');
  if (wrong) {
    console.error(`stock ${campaign.id}: ${wrong}: ${describe(res)}`);
  }
}

function mine(campaignId, userId, expectedCouponId) {
  const res = http.get(`${BASE_URL}/api/campaigns/${campaignId}/coupons/mine`, {
    headers: userHeaders(userId),
    tags: { name: 'mine' },
    timeout: TIMEOUT,
  });
  const body = bodyJson(res);
  const coupons = body && Array.isArray(body.coupons) ? body.coupons : null;
  const ok = check(res, { 'mine is 200 with a coupon list': (r) => r.status === 200 && coupons !== null })
    && check(coupons, {
      'mine: at most perUserLimit coupons': (c) => c.length <= PER_USER,
      'mine: states are PENDING or STORED': (c) => c.every((x) => x.state === 'PENDING' || x.state === 'STORED'),
      'mine: no coupon twice': (c) => new Set(c.map((x) => x.couponId)).size === c.length,
    })
    && (expectedCouponId === null
      || check(coupons, { 'mine: shows the coupon this user was granted': (c) => c.some((x) => x.couponId === expectedCouponId) }));
  unexpected.add(!ok);
  if (!ok) {
    console.error(`mine ${campaignId} user=${userId}: ${describe(res)}`);
  }
}

/** One grant followed to PostgreSQL: claim with a fresh user, then poll /mine until STORED. */
export function probe(data) {
  const userId = `${data.run}-probe-${exec.scenario.iterationInTest}`;
  const url = `${BASE_URL}/api/campaigns/${data.probe.id}`;
  const res = http.post(`${url}/coupons`, null, {
    headers: userHeaders(userId),
    tags: { name: 'probe-claim' },
    timeout: TIMEOUT,
  });
  if (res.status !== 201 && res.status !== 202) {
    // Counted with the other answers; a probe that could not claim proves nothing about storage.
    unexpected.add(res.status !== 429 && res.status !== 503);
    console.warn(`probe claim for ${userId}: ${describe(res)}`);
    return;
  }
  const started = Date.now();
  const deadline = started + PROBE_TIMEOUT_S * 1000;
  let stored = false;
  while (!stored && Date.now() < deadline) {
    const m = http.get(`${url}/coupons/mine`, {
      headers: userHeaders(userId),
      tags: { name: 'probe-mine' },
      timeout: TIMEOUT,
    });
    const body = bodyJson(m);
    stored = !!body && Array.isArray(body.coupons) && body.coupons.some((c) => c.state === 'STORED');
    if (!stored) {
      sleep(0.2);
    }
  }
  storedInTime.add(stored);
  if (stored) {
    timeToStored.add(Date.now() - started);
  } else {
    console.error(`probe: the grant of ${userId} was not STORED within ${PROBE_TIMEOUT_S}s`);
  }
}

export function teardown(data) {
  const problems = [];
  const lines = [];
  for (const campaign of data.campaigns) {
    const s = readStock(campaign.id);
    const broken = stockViolations(s, campaign.total);
    check(s, { 'after the soak: issued <= total': (x) => x.issued <= x.total });
    oversold.add(Math.max(0, s.issued - s.total));
    lines.push(`${campaign.id} total=${s.total} issued=${s.issued} remaining=${s.remaining}`);
    broken.forEach((p) => problems.push(`${campaign.id}: ${p}`));
  }
  console.log(`soak summary: ${lines.join(' | ')} -> ${problems.length === 0 ? 'OK' : `FAILED: ${problems.join('; ')}`}`);
  if (problems.length > 0) {
    const message = `stock invariant broken: ${problems.join('; ')}`;
    failTest(message);
  }
}

// The summary: JSON under RESULTS_DIR (k6/results) and the text on stdout (lib.js).
export function handleSummary(data) {
  return summary('soak', data);
}
