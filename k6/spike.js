// Flash-sale spike: a campaign opens and the arrival rate climbs to PEAK_RPS claims a second within a
// few seconds, holds, then falls. Almost every claim after the first STOCK is a 410 SOLD_OUT; what
// matters is that none of them is anything unexpected, that the latency holds, and that the campaign
// never grants more than its stock (checked at the end through /stock).
//
//   k6 run k6/spike.js
//   k6 run -e BASE_URL=http://localhost:8080 -e IDENTITY=jwt -e JWT_SECRET=$COUPON_JWT_SECRET -e PEAK_RPS=5000 -e STOCK=1000 k6/spike.js
//
// Settings (-e NAME=value), with their defaults:
//   BASE_URL=http://localhost:8080  ADMIN_TOKEN=dev-admin-token   RESULTS_DIR=k6/results (the JSON summary)
//   IDENTITY=header   (jwt: bearer tokens minted per user with JWT_SECRET; JWT_ISSUER, JWT_AUDIENCE when checked)
//   CAMPAIGN=spike-<timestamp>   (an existing id is reused)   STOCK=1000   PER_USER=1
//   PEAK_RPS=5000  RAMP_UP=3s  HOLD=20s  RAMP_DOWN=3s
//   PRE_VUS=300  MAX_VUS=2000   (VUs needed ~ rate x latency; see dropped_iterations in the summary)
//   RETRY_RATE=0.05   share of claims that repeat a user id this VU already used
//   P99_MS=500   p(99) claim latency threshold      TIMEOUT=10s   per-request timeout
//   MAX_UNAVAILABLE_RATE=0.01   share of 503 UNAVAILABLE answers tolerated
// See k6/README.md for how to read the result.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import {
  BASE_URL, CLAIM_STATUSES, FEW_FAILED_REQUESTS, PROMISE_THRESHOLDS, bodyJson, createCampaign, describe, envFloat,
  envInt, envString, expectClaimAnswers, problemCode, failTest, readStock, runId, scriptOptions, stockViolations,
  summary, userHeaders,
} from './lib.js';

const STOCK = envInt('STOCK', 1000);
const PER_USER = envInt('PER_USER', 1);
const PEAK_RPS = envInt('PEAK_RPS', 5000);
const RETRY_RATE = envFloat('RETRY_RATE', 0.05);
const P99_MS = envInt('P99_MS', 500);
const MAX_UNAVAILABLE_RATE = envFloat('MAX_UNAVAILABLE_RATE', 0.01);
const TIMEOUT = envString('TIMEOUT', '10s');

// Claim outcomes, one counter each.
const granted201 = new Counter('granted_201');
const granted202 = new Counter('granted_202');
const soldOut = new Counter('sold_out');
const alreadyIssued = new Counter('already_issued');
const rateLimited = new Counter('rate_limited');
const unavailable = new Counter('unavailable');
const other = new Counter('other');
// An answer no healthy gateway gives: wrong status, wrong code, a grant past the cap or past the
// per-user limit, a transport error. Must stay (almost) at zero.
const unexpected = new Rate('unexpected_answers');
const unavailableRate = new Rate('unavailable_rate');
const claimLatency = new Trend('claim_latency', true);
// Written once, by teardown(): what /stock says after the spike.
const finalIssued = new Counter('final_issued');
const oversold = new Counter('oversold');

// 4xx answers of a claim are outcomes, not failures: http_req_failed counts only the rest.
expectClaimAnswers();

export const options = scriptOptions({
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: envInt('PRE_VUS', 300),
      maxVUs: envInt('MAX_VUS', 2000),
      stages: [
        { duration: envString('RAMP_UP', '3s'), target: PEAK_RPS },
        { duration: envString('HOLD', '20s'), target: PEAK_RPS },
        { duration: envString('RAMP_DOWN', '3s'), target: 0 },
      ],
      gracefulStop: '15s',
    },
  },
  thresholds: {
    ...PROMISE_THRESHOLDS,
    ...FEW_FAILED_REQUESTS,
    unavailable_rate: [`rate<${MAX_UNAVAILABLE_RATE}`],
    claim_latency: [`p(99)<${P99_MS}`],
  },
});

export function setup() {
  const id = envString('CAMPAIGN', `spike-${Date.now()}`);
  const campaign = createCampaign({ id, name: `k6 spike ${id}`, totalStock: STOCK, perUserLimit: PER_USER }, true);
  console.log(`spike: campaign ${campaign.id} (stock ${campaign.total}, ${campaign.perUserLimit} per user) `
    + `at ${BASE_URL}, peak ${PEAK_RPS}/s`);
  return { campaignId: campaign.id, total: campaign.total, perUser: campaign.perUserLimit, run: runId() };
}

// Per VU: the users this VU has claimed for, so a retry knows what the answer must be. Only this VU
// ever uses these ids (fresh ids are unique per iteration, retries come from here), so there is no
// race with another VU and the expected answer is exact.
const grantsByUser = {}; // userId -> [couponId, ...]
const grantedUsers = [];
const soldOutUsers = []; // users told SOLD_OUT while holding nothing (a bounded sample)
const toldSoldOut = {}; // userId -> true
const uncertainUsers = {}; // userId -> true when an answer was lost (timeout, 503, ...)

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function chooseUser(data) {
  const iteration = exec.scenario.iterationInTest;
  if (Math.random() < RETRY_RATE && (grantedUsers.length > 0 || soldOutUsers.length > 0)) {
    // Prefer a user who holds a coupon: that exercises ALREADY_ISSUED.
    const userId = grantedUsers.length > 0 && (soldOutUsers.length === 0 || Math.random() < 0.8)
      ? pick(grantedUsers)
      : pick(soldOutUsers);
    return { userId, retry: true };
  }
  return { userId: `${data.run}-${iteration}`, retry: false };
}

/**
 * What the gateway may answer this user (among GRANTED / ALREADY_ISSUED / SOLD_OUT), from what this
 * VU saw before; null when an earlier answer was lost and anything goes.
 */
function allowedFor(user, perUser) {
  if (uncertainUsers[user.userId]) {
    return null;
  }
  const held = (grantsByUser[user.userId] || []).length;
  if (held >= perUser) {
    // At the limit: the limit is checked before the stock, so ALREADY_ISSUED even when sold out.
    return ['ALREADY_ISSUED'];
  }
  if (toldSoldOut[user.userId]) {
    // Grants are never taken back: once sold out, always sold out.
    return ['SOLD_OUT'];
  }
  // Under the limit (a fresh user holds nothing: never ALREADY_ISSUED).
  return ['GRANTED', 'SOLD_OUT'];
}

function classify(res, body) {
  const code = problemCode(body);
  switch (res.status) {
    case 201:
    case 202:
      return 'GRANTED';
    case 409:
      return code === 'ALREADY_ISSUED' ? 'ALREADY_ISSUED' : `409 ${code}`;
    case 410:
      return code === 'SOLD_OUT' ? 'SOLD_OUT' : `410 ${code}`;
    case 429:
      return 'RATE_LIMITED';
    case 503:
      return 'UNAVAILABLE';
    default:
      return `${res.status} ${code || res.error || ''}`.trim();
  }
}

export default function (data) {
  const user = chooseUser(data);
  const allowed = allowedFor(user, data.perUser);
  const res = http.post(`${BASE_URL}/api/campaigns/${data.campaignId}/coupons`, null, {
    headers: userHeaders(user.userId),
    tags: { name: 'claim' },
    timeout: TIMEOUT,
  });
  const body = bodyJson(res);
  const outcome = classify(res, body);
  claimLatency.add(res.timings.duration, { outcome: outcome.split(' ')[0] });

  check(res, {
    'claim status is 201/202/409/410/429/503': (r) => CLAIM_STATUSES.indexOf(r.status) >= 0,
    'no 5xx other than 503': (r) => r.status < 500 || r.status === 503,
  });

  let wrong = '';
  if (CLAIM_STATUSES.indexOf(res.status) < 0) {
    wrong = 'unexpected status';
  } else if (['GRANTED', 'ALREADY_ISSUED', 'SOLD_OUT', 'RATE_LIMITED', 'UNAVAILABLE'].indexOf(outcome) < 0) {
    wrong = 'unexpected problem code'; // e.g. 409 NOT_STARTED / ENDED on an open campaign
  } else if (allowed && ['GRANTED', 'ALREADY_ISSUED', 'SOLD_OUT'].indexOf(outcome) >= 0 && allowed.indexOf(outcome) < 0) {
    wrong = outcome === 'GRANTED' ? `per-user limit breached for ${user.userId}` : `${outcome} for a user who may not get it`;
  }

  if (outcome === 'GRANTED') {
    const okGrant = check(body, {
      'grant has a couponId': (b) => !!b && typeof b.couponId === 'string' && b.couponId.length > 0,
      'grant sequence within 1..totalStock': (b) => !!b && b.sequence >= 1 && b.sequence <= data.total,
      'grant state matches status (201 ISSUED, 202 PENDING)': (b) => !!b && b.state === (res.status === 201 ? 'ISSUED' : 'PENDING'),
      'grant is for the caller': (b) => !!b && b.userId === user.userId && b.campaignId === data.campaignId,
    });
    if (!okGrant && !wrong) {
      wrong = 'grant failed its checks (couponId / sequence within 1..totalStock / state / caller)';
    }
    if (res.status === 201) {
      granted201.add(1);
    } else {
      granted202.add(1);
    }
    if (body && body.couponId) {
      if (!grantsByUser[user.userId]) {
        grantsByUser[user.userId] = [];
        grantedUsers.push(user.userId);
      }
      grantsByUser[user.userId].push(body.couponId);
    }
  } else if (outcome === 'ALREADY_ISSUED') {
    alreadyIssued.add(1);
    const known = grantsByUser[user.userId] || [];
    if (known.length > 0) {
      const same = check(body, {
        'ALREADY_ISSUED carries the coupon the user holds': (b) => !!b && Array.isArray(b.couponIds)
          && known.every((c) => b.couponIds.indexOf(c) >= 0),
      });
      if (!same && !wrong) {
        wrong = 'ALREADY_ISSUED without the held coupon';
      }
    }
  } else if (outcome === 'SOLD_OUT') {
    soldOut.add(1);
    // Remembered only for users a retry may pick: holders, and a bounded sample of the others.
    if (grantsByUser[user.userId]) {
      toldSoldOut[user.userId] = true;
    } else if (!toldSoldOut[user.userId] && soldOutUsers.length < 200) {
      toldSoldOut[user.userId] = true;
      soldOutUsers.push(user.userId);
    }
  } else if (outcome === 'RATE_LIMITED') {
    rateLimited.add(1);
    uncertainUsers[user.userId] = true;
  } else if (outcome === 'UNAVAILABLE') {
    unavailable.add(1);
    // Nothing was granted (promise 3), but be lenient about what a retry of this user gets.
    uncertainUsers[user.userId] = true;
  } else {
    other.add(1);
    uncertainUsers[user.userId] = true;
  }

  check(wrong, { 'claim answer is one the contract allows for this user': (w) => w === '' });
  unavailableRate.add(outcome === 'UNAVAILABLE');
  unexpected.add(wrong !== '');
  if (wrong) {
    console.error(`claim ${user.retry ? 'retry' : 'fresh'} user=${user.userId}: ${wrong}: ${describe(res)}`);
  }
}

export function teardown(data) {
  const stock = readStock(data.campaignId);
  const problems = stockViolations(stock, data.total);
  check(stock, {
    'after the spike: issued <= total': (s) => s.issued <= s.total,
    'after the spike: remaining == total - issued': (s) => s.remaining === s.total - s.issued,
  });
  finalIssued.add(stock.issued);
  oversold.add(Math.max(0, stock.issued - stock.total));
  console.log(`spike summary: campaign=${data.campaignId} total=${stock.total} issued=${stock.issued} `
    + `remaining=${stock.remaining} -> ${problems.length === 0 ? 'OK' : `FAILED: ${problems.join('; ')}`} `
    + '(outcome counters, latency and thresholds: see the k6 summary below)');
  if (problems.length > 0) {
    const message = `stock invariant broken for ${data.campaignId}: ${problems.join('; ')}`;
    // Fail the run loudly even if thresholds are ignored (--no-thresholds): exit code 110 (fail) or 108 (abort).
    failTest(message);
  }
}

// The summary: JSON under RESULTS_DIR (k6/results) and the text on stdout (lib.js).
export function handleSummary(data) {
  return summary('spike', data);
}
