// The live stock page: pick a campaign, watch its stock over Server-Sent Events, claim a coupon.
// Plain browser JavaScript, no build step, no external resources.
'use strict';

const $ = (id) => document.getElementById(id);
let source = null;
// the waiting room: the line's own stream, and the ticket admission gave (sent with the claim)
let line = null;
let ticket = null;
// how the gateway wants callers to say who they are (GET /api/identity): 'jwt' or 'header'
let identity = 'header';
// the pasted token lives in this tab only: sessionStorage, never localStorage or a cookie
const TOKEN_KEY = 'coupon-gateway.token';

function show(stock) {
  $('total').textContent = stock.total;
  $('issued').textContent = stock.issued;
  $('remaining').textContent = stock.remaining;
  const bar = $('stock-bar');
  bar.setAttribute('aria-valuemax', stock.total);
  bar.setAttribute('aria-valuenow', stock.remaining);
  bar.setAttribute('aria-valuetext', stock.remaining + ' of ' + stock.total + ' left');
  $('stock-fill').style.width = (stock.total > 0 ? (100 * stock.remaining / stock.total) : 0) + '%';
}

function watch(campaignId) {
  if (source) {
    source.close();
  }
  $('connection').textContent = 'connecting…';
  source = new EventSource('/api/campaigns/' + encodeURIComponent(campaignId) + '/stock/stream');
  source.addEventListener('open', () => { $('connection').textContent = 'live'; });
  source.addEventListener('stock', (e) => {
    show(JSON.parse(e.data));
    if ($('campaign-status').dataset.paused === 'yes') {
      $('campaign-status').dataset.paused = 'no';
      $('campaign-status').textContent = 'open';
    }
  });
  source.addEventListener('paused', (e) => {
    show(JSON.parse(e.data));
    $('campaign-status').dataset.paused = 'yes';
    $('campaign-status').textContent = 'paused by the shop: claims resume soon';
  });
  const finish = (label) => (e) => {
    show(JSON.parse(e.data));
    $('connection').textContent = label;
    $('campaign-status').textContent = label;
    source.close();
  };
  source.addEventListener('sold-out', finish('sold out'));
  source.addEventListener('ended', finish('ended'));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      $('connection').textContent = 'closed';
    } else {
      $('connection').textContent = 'reconnecting…';
    }
  });
}

async function loadIdentity() {
  try {
    const response = await fetch('/api/identity');
    if (response.ok) {
      useIdentity((await response.json()).identity);
    }
  } catch (e) {
    // an older gateway, or none: keep the user id field
  }
}

function useIdentity(mode) {
  identity = mode === 'jwt' ? 'jwt' : 'header';
  const jwt = identity === 'jwt';
  $('as-token').hidden = !jwt;
  $('token').disabled = !jwt;
  $('as-user').hidden = jwt;
  $('user').disabled = jwt;
  if (jwt && !$('token').value) {
    try {
      $('token').value = sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      // storage refused (a private window): the token lives in the field only
    }
  }
  document.body.dataset.identity = identity;
  loadMine();
}

function keepToken() {
  try {
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  } catch (e) {
    // storage refused: the token lives in the field only
  }
  loadMine();
}

// who is claiming, as the gateway wants it said; null when the visitor has not said yet
function credentials() {
  if (identity === 'jwt') {
    const token = $('token').value.trim().replace(/^Bearer\s+/i, '');
    return token ? { Authorization: 'Bearer ' + token } : null;
  }
  const user = $('user').value.trim();
  return user ? { 'X-User-Id': user } : null;
}

function askForIdentity() {
  return identity === 'jwt' ? 'Sign in first: paste your sign-in token.' : 'Enter your user id first.';
}

async function loadCampaigns() {
  const select = $('campaign');
  const wanted = new URLSearchParams(location.search).get('campaign');
  if (wanted) {
    // the campaign asked for is shown at once; the list of the others follows when it comes
    select.replaceChildren(new Option(wanted, wanted));
    selected();
  }
  const response = await fetch('/api/campaigns');
  const campaigns = response.ok ? await response.json() : [];
  const current = select.value;
  select.replaceChildren(...campaigns.map((c) => new Option(c.name + ' (' + c.id + ')', c.id)));
  if (wanted && !campaigns.some((c) => c.id === wanted)) {
    select.add(new Option(wanted, wanted));
  }
  if (current) {
    select.value = current;
  } else if (select.value) {
    selected();
  } else {
    $('campaign-status').textContent = 'No campaign yet.';
  }
}

async function selected() {
  const id = $('campaign').value;
  const response = await fetch('/api/campaigns/' + encodeURIComponent(id));
  if (response.ok) {
    const campaign = await response.json();
    $('campaign-status').textContent = statusText(campaign);
    show({ total: campaign.totalStock, issued: campaign.issued, remaining: campaign.remaining });
    leaveLine();
    $('line').hidden = !campaign.waitingRoom;
  }
  watch(id);
  loadMine();
}

function statusText(campaign) {
  const words = { SCHEDULED: 'not started yet', OPEN: 'open', PAUSED: 'paused', SOLD_OUT: 'sold out', ENDED: 'ended' };
  return 'Status: ' + (words[campaign.status] || campaign.status) + ' · up to ' + campaign.perUserLimit + ' per person';
}

function leaveLine() {
  if (line) {
    line.close();
    line = null;
  }
  ticket = null;
  $('line-status').textContent = '';
}

function waitText(place) {
  const ahead = place.ahead === 1 ? '1 person' : place.ahead + ' people';
  return 'You are number ' + place.place + ' in line: ' + ahead + ' ahead of you, about '
    + place.expectedWaitSeconds + ' s to wait.';
}

function admittedText(admission) {
  const seconds = Math.max(0, Math.round((Date.parse(admission.ticketExpiresAt) - Date.now()) / 1000));
  return "It's your turn: claim within " + seconds + ' s.';
}

async function join() {
  const who = credentials();
  const status = $('line-status');
  if (!who) {
    status.textContent = askForIdentity();
    return;
  }
  leaveLine();
  const campaignId = $('campaign').value;
  const response = await fetch('/api/campaigns/' + encodeURIComponent(campaignId) + '/queue', {
    method: 'POST', headers: who
  });
  const place = await response.json().catch(() => ({}));
  if (!response.ok) {
    status.textContent = message(place);
    return;
  }
  if (place.ticket) {
    ticket = place.ticket;
    status.textContent = admittedText(place);
    return;
  }
  status.textContent = waitText(place);
  // EventSource sends no headers: the line token stands in for the identity the gateway named
  line = new EventSource('/api/campaigns/' + encodeURIComponent(campaignId) + '/queue/stream?user='
    + encodeURIComponent(place.userId) + '&token=' + encodeURIComponent(place.lineToken));
  line.addEventListener('queue', (e) => { status.textContent = waitText(JSON.parse(e.data)); });
  line.addEventListener('admitted', (e) => {
    const admission = JSON.parse(e.data);
    ticket = admission.ticket;
    status.textContent = admittedText(admission);
    line.close();
  });
  line.addEventListener('expired', () => {
    status.textContent = 'Your turn passed without a claim. Join the line again.';
    line.close();
  });
}

async function claim(event) {
  event.preventDefault();
  const who = credentials();
  if (!who) {
    return;
  }
  const button = $('claim');
  button.disabled = true;
  const outcome = $('outcome');
  outcome.className = '';
  outcome.textContent = 'Claiming…';
  try {
    const headers = { ...who };
    if (ticket) {
      headers['X-Queue-Ticket'] = ticket;
    }
    const response = await fetch('/api/campaigns/' + encodeURIComponent($('campaign').value) + '/coupons', {
      method: 'POST', headers
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 201 || response.status === 202) {
      outcome.className = 'ok';
      outcome.textContent = 'You got coupon #' + body.sequence + ' (' + body.couponId + ')'
        + (response.status === 202 ? ': confirmation pending.' : '.');
    } else {
      outcome.className = 'bad';
      outcome.textContent = message(body) ;
    }
  } catch (e) {
    outcome.className = 'bad';
    outcome.textContent = 'Could not reach the shop. Try again.';
  } finally {
    button.disabled = false;
    loadMine();
  }
}

function message(problem) {
  switch (problem.code) {
    case 'SOLD_OUT': return 'Sorry, all coupons are gone.';
    case 'ALREADY_ISSUED': return 'You already hold your coupon' + ((problem.couponIds || []).length > 1 ? 's.' : '.');
    case 'NOT_STARTED': return 'The campaign has not started yet.';
    case 'ENDED': return 'The campaign has ended.';
    case 'PAUSED': return 'The campaign is paused; try again soon.';
    case 'RATE_LIMITED': return 'Too many tries; wait a moment.';
    case 'UNAVAILABLE': return 'The shop is busy; try again in a moment.';
    case 'UNAUTHENTICATED': return identity === 'jwt'
      ? 'Your sign-in was refused (expired or not valid here): sign in again and paste the new token.'
      : 'Enter a valid user id.';
    case 'NOT_ADMITTED': return 'Not your turn yet: join the line and claim once you are admitted.';
    default: return problem.detail || 'Something went wrong.';
  }
}

async function loadMine() {
  const who = credentials();
  const list = $('mine');
  if (!who || !$('campaign').value) {
    list.replaceChildren();
    $('mine-empty').hidden = false;
    return;
  }
  const response = await fetch('/api/campaigns/' + encodeURIComponent($('campaign').value) + '/coupons/mine',
    { headers: who });
  const coupons = response.ok ? (await response.json()).coupons : [];
  list.replaceChildren(...coupons.map((c) => {
    const item = document.createElement('li');
    item.className = 'coupon';
    item.textContent = '#' + c.sequence + ' · ' + c.couponId + ' · ' + (c.state === 'STORED' ? 'confirmed' : 'pending');
    return item;
  }));
  $('mine-empty').hidden = coupons.length > 0;
}

document.addEventListener('DOMContentLoaded', () => {
  $('campaign').addEventListener('change', selected);
  $('claim-form').addEventListener('submit', claim);
  $('join').addEventListener('click', join);
  $('user').addEventListener('change', loadMine);
  $('token').addEventListener('change', keepToken);
  loadIdentity();
  loadCampaigns();
});
