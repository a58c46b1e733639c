// vendstream restock view: the visit plan (/api/restock/plan) and, one tap away, a machine's pick list
// (/api/restock/picklist). The address says what is shown (#machine=ID, #run=LOCATION), so the phone's
// back button returns to the plan and a pick list can be bookmarked or shared.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const state = { config: { pollIntervalMs: 2000, timezone: 'Asia/Jakarta' }, timer: null, plan: null, view: null };
  let clock = null;
  let dayClock = null;
  let campusDate = null;
  const money = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 });

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** 13:45, or "Thu 08:10" when it is not today (campus time). */
  function when(iso) {
    const d = new Date(iso);
    return campusDate.format(d) === campusDate.format(new Date()) ? clock.format(d) : dayClock.format(d);
  }

  function inWords(iso) {
    const minutes = Math.round((new Date(iso) - Date.now()) / 60000);
    if (minutes <= 0) return 'now';
    if (minutes < 60) return 'in ' + minutes + ' min';
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return 'in ' + h + ' h' + (m ? ' ' + m + ' min' : '');
  }

  function ago(minutes) {
    return minutes < 1 ? 'just now' : since(minutes) + ' ago';
  }

  function since(minutes) {
    if (minutes < 60) return minutes + ' min';
    const h = Math.floor(minutes / 60);
    return h < 48 ? h + ' h' : Math.floor(h / 24) + ' days';
  }

  async function getJson(path, params) {
    const url = new URL(path, window.location.origin);
    Object.entries(params || {}).forEach(([k, v]) => { if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v); });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10000);
    try {
      const response = await fetch(url, { signal: controller.signal, cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(path + ' answered ' + response.status);
      return await response.json();
    } finally {
      clearTimeout(timer);
    }
  }

  function connected(ok) {
    $('stale').hidden = ok;
    document.body.dataset.state = ok ? 'live' : 'stale';
  }

  // ------------------------------------------------------------------------------ the plan
  function renderPlan(plan) {
    state.plan = plan;
    const n = plan.machinesToVisit;
    $('visit-count').textContent = n;
    $('visit-label').textContent = (n === 1 ? 'machine' : 'machines') + ' to visit';
    $('plan-empty').hidden = n > 0;
    const location = $('location').value;
    $('run-link').hidden = n === 0;
    $('run-link').href = '#run=' + encodeURIComponent(location);
    $('run-link').onclick = () => { state.fromPlan = true; };
    $('run-link').textContent = location ? 'Pick list for the ' + location + ' run' : 'Pick list for the whole fleet';
    const list = $('plan');
    list.replaceChildren(...plan.plan.map((m, i) => {
      const li = el('li', m.outNow.length ? 'out' : 'soon');
      li.dataset.machineId = m.machineId;
      const button = el('button');
      button.type = 'button';
      const top = el('div', 'row');
      top.append(el('span', 'machine', m.machineId), el('span', 'rank', '#' + (i + 1)));
      const where = el('div', 'where', m.location);
      const what = el('div', 'when');
      if (m.outNow.length) {
        const first = m.outNow[0];
        what.textContent = m.outNow.length === 1
          ? first.product + ' sold out ' + ago(first.outForMinutes)
          : m.outNow.length + ' slots sold out, the first ' + ago(first.outForMinutes);
        if (m.firstStockOut) what.textContent += '; ' + m.firstStockOut.product + ' next, ' + when(m.firstStockOut.at);
      } else {
        what.textContent = m.firstStockOut.product + ' runs out ' + inWords(m.firstStockOut.at) + ' (' + when(m.firstStockOut.at) + ')'
          + (m.atRisk.length > 1 ? ', ' + (m.atRisk.length - 1) + ' more' : '');
      }
      const bottom = el('div', 'row');
      const w = m.suggestedWindow;
      // too late for a quiet window: now, when the crew works now; otherwise the crew's first window
      // (outside the visit hours that is tomorrow morning, never "now")
      const startsNow = new Date(w.from).getTime() <= Date.now() + 60000;
      const lead = w.beforeStockOut ? 'Go ' : startsNow ? 'Go now: ' : 'Go first thing: ';
      const go = el('span', 'go' + (w.beforeStockOut ? '' : ' late'),
        lead + when(w.from) + '–' + clock.format(new Date(w.to)) + (w.beforeStockOut ? ' (quiet)' : ''));
      bottom.append(go, el('span', 'risk', (state.config.currency ? state.config.currency + ' ' : '') + money.format(m.revenueAtRisk) + ' at risk'));
      button.append(top, where, what, bottom);
      button.addEventListener('click', () => {
        state.fromPlan = true;
        window.location.hash = 'machine=' + encodeURIComponent(m.machineId);
      });
      li.append(button);
      return li;
    }));
  }

  async function pollPlan() {
    clearTimeout(state.timer);
    state.timer = null;
    state.lastPlan = Date.now();
    try {
      renderPlan(await getJson('/api/restock/plan', { horizonHours: $('horizon').value, location: $('location').value }));
      connected(true);
    } catch (e) {
      connected(false);
    } finally {
      // the plan moves with sales, not by the second: without the stream a tenth of the dashboard's
      // pace is plenty; with it, the plan is asked again when stock changes (planSoon)
      if (!state.streaming) state.timer = setTimeout(pollPlan, Math.max(10000, state.config.pollIntervalMs * 10));
    }
  }

  // live changes (GET /api/stream): a slot sold or refilled, an alert opened or resolved, moves the
  // plan; it is asked again at most every poll interval. Without the stream the page polls.
  // A headless Chromium taking a screenshot (chromium --headless --screenshot --virtual-time-budget)
  // waits until no request is pending, which an endless stream never allows: such a browser (headless
  // and not driven by WebDriver, as the browser tests are) polls instead.
  function screenshotOnly() {
    return navigator.userAgent.includes('HeadlessChrome') && !navigator.webdriver;
  }

  function follow() {
    if (!window.EventSource || screenshotOnly()) return;
    const source = new EventSource(location.origin + '/api/stream');
    source.addEventListener('hello', (event) => {
      if (!JSON.parse(event.data).commits || state.streaming) return;
      state.streaming = true;
      document.body.dataset.stream = 'open';
      // a first plan that came back before the stream opened left the slow poll's timer behind:
      // from now on changes ask for the plan, so that timer must not hold planSoon off
      clearTimeout(state.timer);
      state.timer = null;
      planSoon();
    });
    source.addEventListener('change', (event) => {
      const change = JSON.parse(event.data);
      const loc = $('location').value;
      if (change.stock.some((s) => !loc || s.location === loc)) planSoon();
    });
    source.addEventListener('alerts', planSoon);
    source.addEventListener('reset', planSoon);
    source.addEventListener('error', () => {
      if (!state.streaming) return;
      state.streaming = false;
      document.body.dataset.stream = 'closed';
      pollPlan();
    });
  }

  // the plan is a forecast over hours: asked again at most this often however fast stock changes
  const PLAN_EVERY_MS = 5000;

  function planSoon() {
    if (state.timer) return;
    const wait = Math.max(0, (state.lastPlan || 0) + PLAN_EVERY_MS - Date.now());
    state.timer = setTimeout(pollPlan, wait);
  }

  // -------------------------------------------------------------------------- the pick list
  /** The visit time as a campus local date-time (the API reads it in the campus zone); today, or tomorrow if already past. */
  function visitAt() {
    const value = $('visit-at').value;
    if (!value) return null;
    const now = new Date();
    const today = campusDate.format(now);
    const nowHm = clock.format(now);
    if (value > nowHm) return today + 'T' + value;
    const tomorrow = campusDate.format(new Date(now.getTime() + 86400000));
    return tomorrow + 'T' + value;
  }

  function cell(text, className) {
    return el('td', className, text);
  }

  function renderPicklist(list, target) {
    const all = $('show-all').checked;
    const byMachine = target.machineId === undefined;
    $('title').textContent = byMachine ? (target.location || 'Whole fleet') : target.machineId;
    $('picklist-heading').textContent = byMachine ? 'Pick list: ' + (target.location || 'whole fleet') : 'Pick list: ' + target.machineId;
    const location = list.lines.length ? list.lines[0].location : '';
    $('picklist-meta').textContent = (byMachine ? list.machines + ' machines' : location) + ' · for a visit at ' + when(list.visitAt);
    $('picklist-total').textContent = 'Load ' + list.unitsToLoad + ' units' + (byMachine ? ' in ' + list.machines + ' machines' : '');
    const rows = [];
    let machine = null;
    list.lines.forEach((l) => {
      if (!all && l.unitsToLoad === 0) return;
      if (byMachine && l.machineId !== machine) {
        machine = l.machineId;
        const head = el('tr', 'machine-row');
        const td = cell(l.machineId + ' · ' + l.location);
        td.colSpan = 4;
        head.append(td);
        rows.push(head);
      }
      const tr = el('tr', l.unitsToLoad === 0 ? 'none' : '');
      const product = cell(l.product);
      if (l.onHand === 0) product.append(' ', el('span', 'out-tag', 'out'));
      tr.append(product, cell(l.onHand, 'num'), cell(l.par + (l.parSource === 'configured' ? '*' : ''), 'num'), cell(l.unitsToLoad, 'num load'));
      tr.dataset.product = l.product;
      rows.push(tr);
    });
    $('picklist').tBodies[0].replaceChildren(...rows);
    $('totals-heading').hidden = !byMachine;
    $('totals').hidden = !byMachine;
    $('totals').tBodies[0].replaceChildren(...list.totals.map((t) => {
      const tr = el('tr');
      tr.append(cell(t.product), cell(t.machines, 'num'), cell(t.unitsToLoad, 'num load'));
      return tr;
    }));
    const csv = new URL('/api/restock/picklist', window.location.origin);
    csv.searchParams.set('format', 'csv');
    if (byMachine && target.location) csv.searchParams.set('location', target.location);
    if (!byMachine) csv.searchParams.set('machineId', target.machineId);
    if (list.visitAt) csv.searchParams.set('visitAt', list.visitAt);
    $('csv').href = csv.pathname + csv.search;
    document.body.dataset.picklistLoaded = target.machineId || target.location || '*';
  }

  async function loadPicklist(target) {
    const params = target.machineId === undefined ? { location: target.location } : { machineId: target.machineId };
    params.visitAt = visitAt();
    try {
      renderPicklist(await getJson('/api/restock/picklist', params), target);
      connected(true);
    } catch (e) {
      connected(false);
    }
  }

  // ---------------------------------------------------------------------------------- views
  function route() {
    const hash = decodeURIComponent(window.location.hash.replace(/^#/, ''));
    let target = null;
    if (hash.startsWith('machine=')) target = { machineId: hash.slice(8) };
    if (hash.startsWith('run=')) target = { location: hash.slice(4) };
    state.view = target;
    document.body.dataset.view = target ? 'picklist' : 'plan';
    $('plan-view').hidden = !!target;
    $('picklist-view').hidden = !target;
    $('back').hidden = !target;
    if (target) {
      $('picklist').tBodies[0].replaceChildren();
      $('picklist-total').textContent = 'Loading…';
      delete document.body.dataset.picklistLoaded;
      loadPicklist(target);
      window.scrollTo(0, 0);
    } else {
      $('title').textContent = 'Restock';
    }
  }

  async function start() {
    try {
      state.config = Object.assign(state.config, await getJson('/api/config'));
    } catch (e) {
      // the defaults will do; the plan shows whether the API answers
    }
    const zone = state.config.timezone;
    clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone });
    dayClock = new Intl.DateTimeFormat('en-GB', { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone });
    campusDate = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone });
    try {
      const locations = await getJson('/api/locations');
      locations.locations.forEach((l) => $('location').append(new Option(l.location, l.location)));
    } catch (e) {
      // the list stays at "All locations"
    }
    $('location').addEventListener('change', pollPlan);
    $('horizon').addEventListener('change', pollPlan);
    $('back').addEventListener('click', (event) => {
      event.preventDefault();
      // back in history when the plan led here, so the phone's own back button stays in step
      if (state.fromPlan) window.history.back(); else window.location.hash = '';
      state.fromPlan = false;
    });
    $('visit-at').addEventListener('change', () => state.view && loadPicklist(state.view));
    $('show-all').addEventListener('change', () => state.view && loadPicklist(state.view));
    $('print').addEventListener('click', () => window.print());
    window.addEventListener('hashchange', route);
    route();
    pollPlan();
    follow();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
