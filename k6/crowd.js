// The sale rehearsal's crowd (bench/rehearsal.sh starts it; see there for the stack): PEOPLE distinct people
// arrive on a curve (a surge at the opening, then a decaying tail), spread over the gateways in BASES, each
// following what the answers tell them; a few bots hammer the claim route meanwhile. Not a pass/fail test:
// it records what every person went through, one JSON line each, for the rehearsal's report.
//
//   k6 run --log-format=raw --console-output=people.log -e BASES=http://127.0.0.1:8081,... \
//     -e CAMPAIGN_BODY='{"id":"sale","name":"Sale","totalStock":1000}' k6/crowd.js
//
// Settings (-e NAME=value), with their defaults:
//   BASES (comma-separated gateway base URLs; person n uses BASES[n % count])   ADMIN_TOKEN=drill-token
//   CAMPAIGN_BODY   the campaign, JSON as POST /api/admin/campaigns takes it: setup() creates it, so the sale
//                   opens the moment the crowd starts (setup's answer is the opening)
//   PEOPLE=200000   distinct people, person-0 .. person-(PEOPLE-1)
//   SURGE_SECONDS=60   the opening surge: the peak arrival rate, held (reached within the first second)
//   TAIL_SECONDS=120   then the tail: a drop to TAIL_LEVEL of the peak, halving five times, down to none
//   TAIL_LEVEL=0.5     (the peak is computed so that PEOPLE arrive over SURGE_SECONDS + TAIL_SECONDS)
//   WAITING_ROOM=off   on: people join the line first, look at their place until admitted, claim with the ticket
//   PATIENCE=60     seconds from arrival after which a person still without an answer gives up ("gaveup")
//   RETRY_CAP=10    longest a person waits on a Retry-After (429, 503) before trying again
//   POLL_MAX=5      longest a person in line waits between two looks at their place
//   BOT_VUS=2  BOT_USERS=20  BOT_ADDRESSES=3   bots: BOT_VUS loops claiming as fast as they can for
//                   SURGE_SECONDS, no back-off, over BOT_USERS identities bot-<i> from BOT_ADDRESSES addresses
//   MAX_VUS=3000  PRE_VUS=MAX_VUS   the people's VUs (a person holds one for their whole journey, so the
//                   crowd needs about arrival rate x journey length of them); all made before the opening by
//                   default, as VUs made while the crowd runs come slowly on a busy box. An arrival that finds
//                   no free VU is dropped (k6's dropped_iterations) and never appears in the record
//
// The record (k6 --console-output with --log-format=raw writes each console.log line as it is, nothing
// added): one JSON object a line.
//   a person, when their journey ends: {"p":"person-17","bot":false,"base":1,"arrive":<ms>,
//     "tries":[[sentMs,status,latencyMs],...],   (claims only; status 0: no answer, e.g. a killed gateway;
//       a 503, 429 or 403 has a fourth element, the problem's code: [sentMs,503,latencyMs,"OVERLOADED"])
//     "outcome":201|202|409|410|"gaveup"|"ended"|"error-<status>","end":<ms>,
//     "held":n (on a 409: the coupons ALREADY_ISSUED says the person holds),
//     "mine":n,"mineAt":<ms> (a person leaving without an answer after a 503 or a try with no answer looks
//       at their coupons once, GET .../coupons/mine: how many it lists; -1 when that failed too),
//     "queue":{"place":n,"joined":<ms>,"admitted":<ms, when the ticket was seen>,"looks":n,"last":status}
//       (only with WAITING_ROOM=on; "admitted" absent when never admitted),
//     "failovers":n (only when > 0: times the person's gateway did not answer and they went to the next)}
//   a bot identity, at the end of the surge: {"p":"bot-3","bot":true,"address":"198.51.100.1",
//     "requests":n,"byStatus":{"201":1,"409":n,...},"grants":[<ms of each 201/202 answer>],
//     "mine":n (the coupons GET .../coupons/mine lists for it at the end),
//     "queueRequests":n (WAITING_ROOM=on only)}
// Every time is epoch milliseconds of this machine's clock.
import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';

const BASES = (__ENV.BASES || 'http://127.0.0.1:8080').split(',').map((b) => b.trim().replace(/\/+$/, ''));
const ADMIN_TOKEN = __ENV.ADMIN_TOKEN || 'drill-token';
const PEOPLE = int('PEOPLE', 200000);
const SURGE = int('SURGE_SECONDS', 60);
const TAIL = int('TAIL_SECONDS', 120);
const TAIL_LEVEL = float('TAIL_LEVEL', 0.5);
const WAITING_ROOM = (__ENV.WAITING_ROOM || 'off') === 'on';
const PATIENCE_MS = int('PATIENCE', 60) * 1000;
const RETRY_CAP = int('RETRY_CAP', 10);
const POLL_MAX = int('POLL_MAX', 5);
const BOT_USERS = int('BOT_USERS', 20);
const BOT_VUS = Math.min(int('BOT_VUS', 2), BOT_USERS);
const BOT_ADDRESSES = int('BOT_ADDRESSES', 3);
const CAMPAIGN = __ENV.CAMPAIGN_BODY ? JSON.parse(__ENV.CAMPAIGN_BODY).id : __ENV.CAMPAIGN;

const outcomes = new Counter('people_outcomes');
const gaveUp = new Counter('people_gave_up');
const granted = new Counter('people_granted');
const botGrants = new Counter('bot_grants');

// Retries, sold out, already, rate limited, shed, not admitted: outcomes the crowd handles, not failures.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 204 }, 403, 409, 410, 429, 503));

function int(name, fallback) {
  const v = __ENV[name];
  return v === undefined || v === '' ? fallback : parseInt(v, 10);
}

function float(name, fallback) {
  const v = __ENV[name];
  return v === undefined || v === '' ? fallback : parseFloat(v);
}

// The arrival curve, as ramping-arrival-rate stages: the peak within a second, held to the end of the surge;
// a drop to TAIL_LEVEL of it; five halvings over the tail; none. Its area at a peak of 1 says what peak brings
// PEOPLE (2% more, rounded rates lose some; arrivals past PEOPLE do nothing).
function curve() {
  const shape = [[1, 1], [1, Math.max(1, SURGE - 1)], [TAIL_LEVEL, 1]];
  const step = Math.max(1, Math.round((TAIL - 1) / 6));
  for (let k = 1; k <= 5; k++) {
    shape.push([TAIL_LEVEL / 2 ** k, step]);
  }
  shape.push([0, step]);
  let area = 0;
  let previous = 0;
  for (const [level, seconds] of shape) {
    area += ((previous + level) / 2) * seconds;
    previous = level;
  }
  const peak = Math.ceil((PEOPLE * 1.02) / area);
  return { peak, stages: shape.map(([level, seconds]) => ({ target: Math.round(peak * level), duration: `${seconds}s` })) };
}

const CURVE = curve();
const CURVE_SECONDS = CURVE.stages.reduce((sum, s) => sum + parseInt(s.duration, 10), 0);

export const options = {
  discardResponseBodies: true,
  setupTimeout: '60s',
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
  scenarios: {
    people: {
      executor: 'ramping-arrival-rate',
      exec: 'person',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: Math.min(int('PRE_VUS', int('MAX_VUS', 3000)), int('MAX_VUS', 3000)),
      maxVUs: int('MAX_VUS', 3000),
      stages: CURVE.stages,
      // a person arriving last still gets their patience
      gracefulStop: `${PATIENCE_MS / 1000 + 15}s`,
    },
    ...(BOT_VUS > 0 ? {
      bots: {
        executor: 'per-vu-iterations',
        exec: 'bot',
        vus: BOT_VUS,
        iterations: 1,
        maxDuration: `${SURGE + 30}s`,
      },
    } : {}),
  },
};

export function setup() {
  if (__ENV.CAMPAIGN_BODY) {
    const res = http.post(`${BASES[0]}/api/admin/campaigns`, __ENV.CAMPAIGN_BODY, {
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
      responseType: 'text', timeout: '30s', tags: { name: 'admin-create-campaign' },
    });
    if (res.status !== 201) {
      exec.test.abort(`creating the campaign failed: ${res.status} ${res.body}`);
    }
  }
  return { opened: Date.now(), peak: CURVE.peak, curveSeconds: CURVE_SECONDS };
}

/** The person's own address as the proxy in front reports it (X-Forwarded-For): one per person. */
function address(id) {
  return `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`;
}

function retryAfter(res) {
  const seconds = parseInt(res.headers['Retry-After'] || '1', 10);
  return Math.min(RETRY_CAP, Math.max(1, Number.isNaN(seconds) ? 1 : seconds));
}

function bodyOf(res) {
  try {
    return JSON.parse(res.body);
  } catch (e) {
    return null;
  }
}

/** One person's whole journey: one iteration. */
export function person() {
  const id = exec.scenario.iterationInTest;
  if (id >= PEOPLE) {
    return;
  }
  const user = `person-${id}`;
  let base = id % BASES.length;
  const headers = { 'X-User-Id': user, 'X-Forwarded-For': address(id) };
  const record = { p: user, bot: false, base, arrive: Date.now(), tries: [] };
  const deadline = record.arrive + PATIENCE_MS;
  const queue = WAITING_ROOM ? { looks: 0 } : null;
  let failovers = 0;
  let ticket = null;
  let outcome = null;
  // waits, or gives up when the wait would end past the person's patience
  const wait = (seconds) => {
    if (Date.now() + seconds * 1000 > deadline) {
      outcome = 'gaveup';
      return;
    }
    sleep(seconds);
  };
  while (outcome === null) {
    if (queue !== null && ticket === null) {
      const res = http.post(`${BASES[base]}/api/campaigns/${CAMPAIGN}/queue`, null,
        { headers, responseType: 'text', timeout: '10s', tags: { name: 'queue' } });
      queue.looks++;
      queue.last = res.status;
      const body = res.status === 200 ? bodyOf(res) : null;
      if (body && body.place > 0) {
        if (queue.place !== body.place) {
          queue.place = body.place;
          queue.joined = Date.now();
        }
        if (body.ticket) {
          ticket = body.ticket;
          queue.admitted = Date.now();
          continue;
        }
        wait(Math.min(POLL_MAX, Math.max(1, body.expectedWaitSeconds || 1)));
      } else if (res.status === 410) {
        outcome = 410;
      } else if (res.status === 409) {
        outcome = 'ended';
      } else if (res.status === 429 || res.status === 503) {
        wait(retryAfter(res));
      } else if (res.status === 0) {
        base = (base + 1) % BASES.length;
        failovers++;
        wait(1);
      } else {
        outcome = `error-${res.status}`;
      }
      continue;
    }
    const claimHeaders = ticket === null ? headers : Object.assign({ 'X-Queue-Ticket': ticket }, headers);
    const sent = Date.now();
    const res = http.post(`${BASES[base]}/api/campaigns/${CAMPAIGN}/coupons`, null,
      { headers: claimHeaders, responseType: 'text', timeout: '10s', tags: { name: 'claim' } });
    const attempt = [sent, res.status, Math.round(res.timings.duration)];
    if (res.status === 503 || res.status === 429 || res.status === 403) {
      // why: shed, rebuilding, Redis unavailable, rate limited, not admitted (the problem's code)
      const problem = bodyOf(res);
      attempt.push(problem && typeof problem.code === 'string' ? problem.code : '');
    }
    record.tries.push(attempt);
    switch (res.status) {
      case 409: {
        // ALREADY_ISSUED lists the coupons the person holds: a grant whose answer an earlier try lost
        const problem = bodyOf(res);
        record.held = problem && Array.isArray(problem.couponIds) ? problem.couponIds.length : 0;
        outcome = res.status;
        break;
      }
      case 201: case 202: case 410:
        outcome = res.status;
        break;
      case 429: case 503:
        wait(retryAfter(res));
        break;
      case 403:
        if (queue !== null) {
          // the ticket expired (or never was): back to the line
          ticket = null;
        } else {
          outcome = 'error-403';
        }
        break;
      case 0:
        // no answer (a killed gateway): the load balancer in front sends the next try elsewhere
        base = (base + 1) % BASES.length;
        failovers++;
        wait(1);
        break;
      default:
        outcome = `error-${res.status}`;
    }
  }
  record.outcome = outcome;
  if (typeof outcome !== 'number' && record.tries.some((t) => t[1] === 0 || t[1] === 503)) {
    // a try that got no answer, or a 503, may still have been granted (the gateway answers 503 when Redis
    // could not say whether the script ran; the coupon is then held): a person leaving without an answer
    // looks at their coupons once, as the shop's app shows them on the next visit
    const res = http.get(`${BASES[base]}/api/campaigns/${CAMPAIGN}/coupons/mine`,
      { headers, responseType: 'text', timeout: '10s', tags: { name: 'mine' } });
    const body = res.status === 200 ? bodyOf(res) : null;
    record.mine = body && Array.isArray(body.coupons) ? body.coupons.length : -1;
    record.mineAt = Date.now();
  }
  record.end = Date.now();
  if (queue !== null) {
    record.queue = queue;
  }
  if (failovers > 0) {
    record.failovers = failovers;
  }
  outcomes.add(1, { outcome: String(outcome) });
  if (outcome === 'gaveup') {
    gaveUp.add(1);
  }
  if (outcome === 201 || outcome === 202) {
    granted.add(1);
  }
  console.log(JSON.stringify(record));
}

/** One bot VU: its identities in turn, as fast as answers come, for the surge; then one line per identity. */
export function bot() {
  const vu = exec.scenario.iterationInTest;
  const mine = [];
  for (let i = vu; i < BOT_USERS; i += BOT_VUS) {
    const addr = `198.51.100.${(i % BOT_ADDRESSES) + 1}`;
    mine.push({
      p: `bot-${i}`, bot: true, address: addr, requests: 0, byStatus: {}, grants: [],
      headers: { 'X-User-Id': `bot-${i}`, 'X-Forwarded-For': addr }, ticket: null,
      ...(WAITING_ROOM ? { queueRequests: 0 } : {}),
    });
  }
  const until = Date.now() + SURGE * 1000;
  let n = 0;
  while (Date.now() < until) {
    const b = mine[n % mine.length];
    const base = BASES[n % BASES.length];
    n++;
    const headers = b.ticket === null ? b.headers : Object.assign({ 'X-Queue-Ticket': b.ticket }, b.headers);
    const res = http.post(`${base}/api/campaigns/${CAMPAIGN}/coupons`, null,
      { headers, timeout: '10s', tags: { name: 'bot-claim' } });
    b.requests++;
    b.byStatus[res.status] = (b.byStatus[res.status] || 0) + 1;
    if (res.status === 201 || res.status === 202) {
      b.grants.push(Date.now());
      botGrants.add(1);
    } else if (res.status === 403 && WAITING_ROOM) {
      // a bot pushes into the line too, and takes a ticket when it has one
      const join = http.post(`${base}/api/campaigns/${CAMPAIGN}/queue`, null,
        { headers: b.headers, responseType: 'text', timeout: '10s', tags: { name: 'bot-queue' } });
      b.queueRequests++;
      const body = join.status === 200 ? bodyOf(join) : null;
      b.ticket = body && body.ticket ? body.ticket : null;
    }
  }
  for (const b of mine) {
    // what the bot holds, whatever its answers said (an answer lost to a 503 or a timeout)
    const res = http.get(`${BASES[0]}/api/campaigns/${CAMPAIGN}/coupons/mine`,
      { headers: b.headers, responseType: 'text', timeout: '10s', tags: { name: 'bot-mine' } });
    const body = res.status === 200 ? bodyOf(res) : null;
    b.mine = body && Array.isArray(body.coupons) ? body.coupons.length : -1;
    delete b.headers;
    delete b.ticket;
    console.log(JSON.stringify(b));
  }
}
