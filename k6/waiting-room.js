// A drop with a waiting room: people arrive faster than the room admits them; each joins the line
// (POST /queue), asks for its place every POLL seconds until admitted (the answer carries a signed
// ticket), then claims with it (X-Queue-Ticket). Some also try to claim without a ticket first, which
// must be refused (403 NOT_ADMITTED). Checks: nobody claims without being admitted, nobody is admitted
// before ADMIT_PER_SECOND could have reached their place (place <= rate x seconds since the line opened
// + 1), places only come down while waiting, and the campaign never grants more than its stock.
//
//   k6 run k6/waiting-room.js
//   k6 run -e ARRIVAL_RPS=40 -e ARRIVE_FOR=10s -e ADMIT_PER_SECOND=20 -e STOCK=200 k6/waiting-room.js
//
// Settings (-e NAME=value), with their defaults:
//   BASE_URL=http://localhost:8080  ADMIN_TOKEN=dev-admin-token
//   IDENTITY=header   (jwt: bearer tokens minted per user with JWT_SECRET)
//   CAMPAIGN=line-<timestamp>   STOCK=200   ADMIT_PER_SECOND=20   TICKET_TTL=PT1M
//   ARRIVAL_RPS=40   ARRIVE_FOR=10s   (people joining a second, and for how long)
//   POLL=1   seconds between a waiting person's looks at their place
//   MAX_WAIT=120   seconds a person waits at most before giving up (counted, not an error)
//   NO_TICKET_RATE=0.1   share of people who first try to claim without a ticket
//   PRE_VUS=100  MAX_VUS=800
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import {
  BASE_URL, bodyJson, createCampaign, describe, envFloat, envInt, envString, problemCode, readStock, runId,
  stockViolations, userHeaders,
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

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 204 }, 403, 409, 410, 503));

export const options = {
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
  thresholds: {
    unexpected_answers: ['rate<0.01'],
    place_rose: ['count==0'],
    admitted_too_early: ['count==0'],
  },
  summaryTrendStats: ['min', 'med', 'p(90)', 'p(99)', 'max', 'count'],
};

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
  const ok = check(res, { 'join answers 200 with a place': (r) => r.status === 200 && body && body.place > 0 });
  unexpected.add(!ok);
  if (!ok) {
    console.warn(`join ${user}: ${describe(res)}`);
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
    console.warn(`${user}: place ${place.place} admitted ${seen} ms after the line opened`);
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
    console.warn(`claim ${user} with a ticket: ${describe(res)}`);
  }
}

export function teardown(data) {
  const stock = readStock(data.campaign);
  const problems = stockViolations(stock, STOCK);
  if (problems.length > 0) {
    throw new Error(`stock of ${data.campaign} broken: ${problems.join('; ')}`);
  }
  console.log(`campaign ${data.campaign}: issued ${stock.issued} of ${stock.total}`);
}
