// Live stock over Server-Sent Events: WATCHERS virtual users each hold
// GET /api/campaigns/{id}/stock/stream open while a second scenario claims the campaign until it is
// sold out. Every stream must start with a `stock` event at once, only ever show `issued` growing,
// end with `event: sold-out` showing remaining 0, and then be closed by the gateway; a reconnect to
// the finished campaign (with Last-Event-ID, as an EventSource sends it) must get 204 (which tells an
// EventSource to stop).
//
// k6 has no EventSource: each watcher is a plain http.get whose body k6 hands over when the gateway
// closes the stream (after sold-out). The script then parses the `event:` / `id:` / `data:` lines.
// This checks the content and the order of the events and the time to the first byte (the first
// event is due at once), but not when each later event arrived. A stream that never closes ends in
// a request timeout after STREAM_TIMEOUT, and its checks fail.
//
//   k6 run k6/stock-stream.js
//   k6 run -e BASE_URL=http://localhost:8080 -e IDENTITY=jwt -e JWT_SECRET=$COUPON_JWT_SECRET -e WATCHERS=200 -e STOCK=2000 k6/stock-stream.js
//
// Settings (-e NAME=value), with their defaults:
//   BASE_URL=http://localhost:8080  ADMIN_TOKEN=dev-admin-token   RESULTS_DIR=k6/results (the JSON summary)
//   IDENTITY=header   (jwt: bearer tokens minted per user with JWT_SECRET; JWT_ISSUER, JWT_AUDIENCE when checked)
//   WATCHERS=50  STOCK=500  CLAIM_VUS=20  CLAIM_DELAY=3s (lets the watchers connect first)
//   STREAM_TIMEOUT=120s  FIRST_EVENT_MS=1000 (p95 of the time to the first byte of a stream)
//   MAX_EVENTS_PER_S=10 (conflation: a stream sends at most a few events a second)
// See k6/README.md for how to read the result.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import {
  BASE_URL, CLAIM_STATUSES, PROMISE_THRESHOLDS, bodyJson, createCampaign, describe, envInt, envString,
  expectClaimAnswers, problemCode, readStock, runId, scriptOptions, stockViolations, summary, failTest, userHeaders,
} from './lib.js';

const WATCHERS = envInt('WATCHERS', 50);
const STOCK = envInt('STOCK', 500);
const CLAIM_VUS = envInt('CLAIM_VUS', 20);
const STREAM_TIMEOUT = envString('STREAM_TIMEOUT', '120s');
const FIRST_EVENT_MS = envInt('FIRST_EVENT_MS', 1000);
const MAX_EVENTS_PER_S = envInt('MAX_EVENTS_PER_S', 10);
// More claims than stock (fresh users each), so the campaign sells out even if a few are refused.
const CLAIMS = Math.ceil(STOCK * 1.2) + 10;

const granted = new Counter('granted');
const soldOut = new Counter('sold_out');
const otherClaims = new Counter('other');
const unexpected = new Rate('unexpected_answers');
const streamSoldOut = new Rate('stream_ended_sold_out');
const streamFirstByte = new Trend('stream_first_byte', true);
const streamEvents = new Trend('stream_events');
const oversold = new Counter('oversold');

expectClaimAnswers();

export const options = scriptOptions({
  scenarios: {
    watchers: {
      executor: 'per-vu-iterations',
      exec: 'watch',
      vus: WATCHERS,
      iterations: 1,
      maxDuration: '10m',
    },
    claimers: {
      executor: 'shared-iterations',
      exec: 'claim',
      vus: CLAIM_VUS,
      iterations: CLAIMS,
      startTime: envString('CLAIM_DELAY', '3s'),
      maxDuration: '5m',
    },
  },
  thresholds: {
    ...PROMISE_THRESHOLDS,
    stream_ended_sold_out: ['rate==1'],
    stream_first_byte: [`p(95)<${FIRST_EVENT_MS}`],
  },
});

export function setup() {
  const id = envString('CAMPAIGN', `stream-${Date.now()}`);
  const campaign = createCampaign({ id, name: `k6 stock stream ${id}`, totalStock: STOCK }, false);
  console.log(`stock-stream: campaign ${campaign.id} (stock ${campaign.total}), ${WATCHERS} watchers, `
    + `${CLAIMS} claims from ${CLAIM_VUS} VUs at ${BASE_URL}`);
  return { campaignId: campaign.id, total: campaign.total, run: runId() };
}

/**
 * The events of an SSE body, in order: { type, id, data } (type defaults to "message", data lines are
 * joined with "\n"), and the number of comment lines (heartbeats).
 */
export function parseSse(text) {
  const events = [];
  let comments = 0;
  const blocks = String(text || '').replace(/\r\n?/g, '\n').split('\n\n');
  for (const block of blocks) {
    let type = 'message';
    let id = null;
    const data = [];
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line === '') {
        continue;
      }
      if (line.charAt(0) === ':') {
        comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.substring(0, colon);
      let value = colon < 0 ? '' : line.substring(colon + 1);
      if (value.charAt(0) === ' ') {
        value = value.substring(1);
      }
      fields++;
      if (field === 'event') {
        type = value;
      } else if (field === 'data') {
        data.push(value);
      } else if (field === 'id') {
        id = value;
      }
    }
    if (fields > 0) {
      events.push({ type, id, data: data.join('\n') });
    }
  }
  return { events, comments };
}

function json(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return null;
  }
}

export function watch(data) {
  const url = `${BASE_URL}/api/campaigns/${data.campaignId}/stock/stream`;
  const res = http.get(url, {
    headers: { Accept: 'text/event-stream' },
    tags: { name: 'stock-stream' },
    timeout: STREAM_TIMEOUT,
  });
  const parsed = parseSse(res.body);
  const events = parsed.events;
  const stocks = events.map((e) => json(e.data)).filter((s) => s && typeof s.issued === 'number');
  const first = events.length > 0 ? events[0] : null;
  const last = events.length > 0 ? events[events.length - 1] : null;
  const finalStock = stocks.length > 0 ? stocks[stocks.length - 1] : null;
  const seconds = Math.max(1, res.timings.duration / 1000);

  streamFirstByte.add(res.timings.waiting);
  streamEvents.add(events.length);

  const ok = check(res, {
    'stream: 200 text/event-stream': (r) => r.status === 200
      && String(r.headers['Content-Type'] || '').indexOf('text/event-stream') === 0,
    'stream: closed by the gateway (no timeout)': (r) => !r.error,
  });
  const endedSoldOut = !!last && last.type === 'sold-out';
  check(events, {
    'stream: first event is stock': () => !!first && first.type === 'stock' && !!json(first.data),
    'stream: last event is sold-out': () => endedSoldOut,
    'stream: final remaining is 0 and issued is total': () => !!finalStock
      && finalStock.remaining === 0 && finalStock.issued === data.total && finalStock.total === data.total,
    'stream: issued never goes down': () => stocks.every((s, i) => i === 0 || s.issued >= stocks[i - 1].issued),
    'stream: every count is consistent': () => stocks.every((s) => stockViolations(s, data.total).length === 0),
    'stream: stock event id is the issued count': () => events.every((e) => e.type !== 'stock' || e.id === null
      || (json(e.data) !== null && e.id === String(json(e.data).issued))),
    'stream: conflated (a few events a second at most)': () => events.length <= MAX_EVENTS_PER_S * seconds + 5,
  });
  streamSoldOut.add(ok && endedSoldOut);
  if (!endedSoldOut) {
    console.error(`watcher ${exec.vu.idInTest}: stream did not end with sold-out: ${describe(res)} `
      + `(${events.length} events, last ${last ? `${last.type} ${last.data}` : 'none'})`);
  }

  // The campaign is over: a reconnect gets 204 No Content, which makes an EventSource stop for good. An
  // EventSource reconnects with the id of the last event it saw in Last-Event-ID, and so does this; a
  // first connection (no Last-Event-ID) to a finished campaign gets its final event instead.
  const lastId = events.map((e) => e.id).filter((id) => id !== null).pop();
  const again = http.get(url, {
    headers: Object.assign({ Accept: 'text/event-stream' }, lastId ? { 'Last-Event-ID': lastId } : {}),
    tags: { name: 'stock-stream-reconnect' },
    timeout: '10s',
  });
  check(again, { 'stream: reconnect after sold-out gets 204': (r) => r.status === 204 });
}

export function claim(data) {
  const userId = `${data.run}-c${exec.scenario.iterationInTest}`;
  const res = http.post(`${BASE_URL}/api/campaigns/${data.campaignId}/coupons`, null, {
    headers: userHeaders(userId),
    tags: { name: 'claim' },
    timeout: '10s',
  });
  const code = problemCode(bodyJson(res));
  check(res, { 'claim status is 201/202/409/410/429/503': (r) => CLAIM_STATUSES.indexOf(r.status) >= 0 });
  if (res.status === 201 || res.status === 202) {
    granted.add(1);
  } else if (res.status === 410 && code === 'SOLD_OUT') {
    soldOut.add(1);
  } else {
    otherClaims.add(1);
  }
  // Every claimer is a fresh user on an open campaign: 409 (ALREADY_ISSUED, NOT_STARTED, ENDED) is wrong.
  const wrong = [201, 202, 410, 429, 503].indexOf(res.status) < 0 || (res.status === 410 && code !== 'SOLD_OUT');
  unexpected.add(wrong);
  if (wrong) {
    console.error(`claim user=${userId}: ${describe(res)}`);
  }
}

export function teardown(data) {
  const s = readStock(data.campaignId);
  const problems = stockViolations(s, data.total);
  if (s.remaining !== 0) {
    problems.push(`not sold out: remaining ${s.remaining} (claims refused? see the other counter)`);
  }
  check(s, { 'after the run: sold out, issued == total': (x) => x.remaining === 0 && x.issued === x.total });
  oversold.add(Math.max(0, s.issued - s.total));
  console.log(`stock-stream summary: campaign=${data.campaignId} total=${s.total} issued=${s.issued} `
    + `remaining=${s.remaining} -> ${problems.length === 0 ? 'OK' : `FAILED: ${problems.join('; ')}`}`);
  if (s.issued > s.total) {
    const message = `OVERSOLD ${data.campaignId}: issued ${s.issued} > total ${s.total}`;
    failTest(message);
  }
}

// The summary: JSON under RESULTS_DIR (k6/results) and the text on stdout (lib.js).
export function handleSummary(data) {
  return summary('stock-stream', data);
}
