// A drop with a waiting room: people arrive faster than the room admits them; each joins the line
// (POST /queue), asks for its place every POLL seconds until admitted (the answer carries a signed
// ticket), then claims with it (X-Queue-Ticket). Some also try to claim without a ticket first, which
// must be refused (403 NOT_ADMITTED). Once the stock is gone, joining (and looking at one's place)
// answers 410 SOLD_OUT, counted in sold_out like a claim's. Checks: nobody claims without being
// admitted, nobody is admitted before ADMIT_PER_SECOND could have reached their place (place <= rate x
// seconds since the line opened + 1), places only come down while waiting, and the campaign never
// grants more than its stock.
//
//   k6 run k6/waiting-room.js
//   k6 run -e ARRIVAL_RPS=40 -e ARRIVE_FOR=10s -e ADMIT_PER_SECOND=20 -e STOCK=200 k6/waiting-room.js
//
// Settings (-e NAME=value), with their defaults:
//   BASE_URL=http://localhost:8080  ADMIN_TOKEN=dev-admin-token   RESULTS_DIR=k6/results (the JSON summary)
//   IDENTITY=header   (jwt: bearer tokens minted per user with JWT_SECRET; JWT_ISSUER, JWT_AUDIENCE when checked)
//   CAMPAIGN=line-<timestamp>   STOCK=200   ADMIT_PER_SECOND=20   TICKET_TTL=PT1M
//   ARRIVAL_RPS=40   ARRIVE_FOR=10s   (people joining a second, and for how long)
//   POLL=1   seconds between a waiting person's looks at their place
//   MAX_WAIT=120   seconds a person waits at most before giving up (counted, not an error)
//   NO_TICKET_RATE=0.1   share of people who first try to claim without a ticket
//   PRE_VUS=100  MAX_VUS=800
// See k6/README.md for how to read the result.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import {
  BASE_URL, FEW_FAILED_REQUESTS, PROMISE_THRESHOLDS, TREND_STATS, bodyJson, createCampaign, describe, envFloat,
  envInt, envString, failTest, problemCode, readStock, runId, scriptOptions, stockViolations, summary, userHeaders,
} from './lib.js';

const STOCK = envInt('STOCK', 200);
const ADMIT_PER_SECOND = envInt('ADMIT_PER_SECOND', 20);
const TICKET_TTL = envString('TICKET_TTL', 'PT1M');
const POLL = envFloat('POLL', 1);
const MAX_WAIT = envInt('MAX_WAIT', 120);
const NO_TICKET_RATE = envFloat('NO_TICKET_RATE', 0.1);

const joined = new Counter('joined');
const admitted = new Counter('admitted');
const gaveUp = new Counter('gave_up');
const granted = new Counter('granted');
const soldOut = new Counter('sold_out');
const refusedWithoutTicket = new Counter('refused_without_ticket');
const unexpected = new Rate('unexpected_answers');
const timeInLine = new Trend('time_in_line', true);
// when each person saw their ticket, in ms since the test started (min, max and count give the pace)
const admittedAt = new Trend('admitted_at_ms');
const placeRose = new Counter('place_rose');
// a person admitted before the room's rate could have reached their place: place > rate x time + 1
const admittedTooEarly = new Counter('admitted_too_early');
// Written once, by teardown(): issued - total from /stock when positive.
const oversold = new Counter('oversold');

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 204 }, 403, 409, 410, 503));

export const options = scriptOptions({
  scenarios: {
    arrivals: {
      executor: 'constant-arrival-rate',
      rate: envInt('ARRIVAL_RPS', 40),
      timeUnit: '1s',
      duration: envString('ARRIVE_FOR', '10s'),
      preAllocatedVUs: envInt('PRE_VUS', 100),
      maxVUs: envInt('MAX_VUS', 800),
    },
  },
  // As in the other scripts: almost no unexpected answer or failed request, every check passing, nothing
  // oversold; and the room's own promises.
  thresholds: {
    ...PROMISE_THRESHOLDS,
    ...FEW_FAILED_REQUESTS,
    place_rose: ['count==0'],
    admitted_too_early: ['count==0'],
  },
  // count: admitted_at_ms's count, min and max give the room's pace (k6/README.md)
  summaryTrendStats: [...TREND_STATS, 'count'],
});

export function setup() {
  const campaign = createCampaign({
    id: envString('CAMPAIGN', `line-${runId()}`),
    name: 'k6 waiting room',
    totalStock: STOCK,
    waitingRoom: { admitPerSecond: ADMIT_PER_SECOND, ticketTtl: TICKET_TTL },
  }, false);
  return { campaign: campaign.id, started: Date.now(), run: runId() };
}

function join(campaign, user) {
  const res = http.post(`${BASE_URL}/api/campaigns/${campaign}/queue`, null, {
    headers: userHeaders(user), tags: { name: 'queue' }, timeout: '10s',
  });
  const body = bodyJson(res);
  // once the campaign is sold out the line gives no new places (and none to those still waiting):
  // 410 SOLD_OUT, the answer a claim would get
  const gone = res.status === 410 && problemCode(body) === 'SOLD_OUT';
  const ok = check(res, {
    'join answers 200 with a place, or 410 SOLD_OUT': (r) => (r.status === 200 && body && body.place > 0) || gone,
  });
  unexpected.add(!ok);
  if (!ok) {
    console.error(`join ${user}: ${describe(res)}`);
  }
  if (gone) {
    soldOut.add(1);
    return null;
  }
  return ok ? body : null;
}

function claim(campaign, user, ticket) {
  const headers = Object.assign({}, userHeaders(user), ticket ? { 'X-Queue-Ticket': ticket } : {});
  return http.post(`${BASE_URL}/api/campaigns/${campaign}/coupons`, null, {
    headers, tags: { name: ticket ? 'claim' : 'claim-without-ticket' }, timeout: '10s',
  });
}

export default function (data) {
  const user = `${data.run}-${__VU}-${__ITER}`;
  if (Math.random() < NO_TICKET_RATE) {
    const early = claim(data.campaign, user, null);
    const refused = early.status === 403 && problemCode(bodyJson(early)) === 'NOT_ADMITTED';
    check(early, { 'a claim without a ticket is refused NOT_ADMITTED': () => refused });
    unexpected.add(!refused);
    refusedWithoutTicket.add(refused ? 1 : 0);
  }
  let place = join(data.campaign, user);
  if (!place) {
    return;
  }
  joined.add(1);
  const since = Date.now();
  let ahead = place.ahead === undefined ? 0 : place.ahead;
  while (!place.ticket) {
    if (place.expired || (Date.now() - since) / 1000 > MAX_WAIT) {
      gaveUp.add(1);
      return;
    }
    sleep(POLL);
    place = join(data.campaign, user);
    if (!place) {
      return;
    }
    if (!place.ticket && place.ahead > ahead) {
      placeRose.add(1);
    }
    ahead = place.ahead === undefined ? 0 : place.ahead;
  }
  admitted.add(1);
  timeInLine.add(Date.now() - since);
  const seen = Date.now() - data.started;
  admittedAt.add(seen);
  // seen is no earlier than the admission itself, so this can only catch a room that ran ahead
  if (place.place > ADMIT_PER_SECOND * (seen / 1000) + 1) {
    admittedTooEarly.add(1);
    console.error(`${user}: place ${place.place} admitted ${seen} ms after the line opened`);
  }
  const res = claim(data.campaign, user, place.ticket);
  const code = problemCode(bodyJson(res));
  const ok = res.status === 201 || res.status === 202 || (res.status === 410 && code === 'SOLD_OUT');
  check(res, { 'an admitted claim is granted, or sold out': () => ok });
  unexpected.add(!ok);
  if (res.status === 201 || res.status === 202) {
    granted.add(1);
  } else if (res.status === 410) {
    soldOut.add(1);
  } else {
    console.error(`claim ${user} with a ticket: ${describe(res)}`);
  }
}

export function teardown(data) {
  const stock = readStock(data.campaign);
  const problems = stockViolations(stock, STOCK);
  check(stock, {
    'after the drop: issued <= total': (s) => s.issued <= s.total,
    'after the drop: remaining == total - issued': (s) => s.remaining === s.total - s.issued,
  });
  oversold.add(Math.max(0, stock.issued - stock.total));
  console.log(`waiting-room summary: campaign=${data.campaign} total=${stock.total} issued=${stock.issued} `
    + `remaining=${stock.remaining} -> ${problems.length === 0 ? 'OK' : `FAILED: ${problems.join('; ')}`}`);
  if (problems.length > 0) {
    // Fail the run loudly even if thresholds are ignored (--no-thresholds): exit code 110 (fail) or 108 (abort).
    failTest(`stock invariant broken for ${data.campaign}: ${problems.join('; ')}`);
  }
}

// The summary: JSON under RESULTS_DIR (k6/results) and the text on stdout (lib.js).
export function handleSummary(data) {
  return summary('waiting-room', data);
}
