// vendstream dashboard: follows the live changes (GET /api/stream, server-sent events) and updates
// the page in place, no reloads: a sale shows in the live feed as soon as its batch is committed, the
// other panels refresh at most every poll interval while changes come in. Without the stream it polls
// the JSON API every poll interval instead (and shows Offline when that fails too).
// Every value from the API is written with textContent (never as HTML): locations, products
// and rejected payloads come from machines and the network, not from us.
(function () {
  'use strict';

  // Okabe-Ito: distinguishable with the common colour-vision deficiencies
  const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#56B4E9', '#D55E00', '#CC79A7', '#F0E442', '#000000'];
  const state = {
    config: { pollIntervalMs: 2000, timezone: 'Asia/Jakarta' },
    location: '',
    lastSuccess: null,
    failingSince: null,
    polls: 0,
    charts: {},
    seenSales: new Set(),
    feed: [],
    streaming: false,
    lastRefresh: 0,
  };

  const count = new Intl.NumberFormat('id-ID');
  // money in the fleet's currency, which /api/config names (vendstream.api.currency); plain numbers until then
  let money = count;
  let moneyExact = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 2 });
  const currency = () => state.config.currency || '';
  const inCurrency = (label) => (currency() ? label + ' (' + currency() + ')' : label);
  const ms = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });
  let timeFormat = new Intl.DateTimeFormat('id-ID', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

  const $ = (id) => document.getElementById(id);
  const text = (id, value) => { $(id).textContent = value; };

  function time(iso) {
    return iso ? timeFormat.format(new Date(iso)) : '–';
  }

  // a delay in the unit that reads best: backfilled history is days late, a live machine milliseconds
  function delay(msValue) {
    // 60 s is the histogram's highest bound: beyond it the API can only say "at least"
    if (msValue >= 60000) return 'over a minute';
    if (msValue < 1000) return ms.format(msValue) + ' ms';
    const seconds = msValue / 1000;
    if (seconds < 60) return ms.format(seconds) + ' s';
    if (seconds < 3600) return Math.round(seconds / 60) + ' min';
    if (seconds < 86400) return Math.round(seconds / 3600) + ' h';
    return Math.round(seconds / 86400) + ' d';
  }

  function ago(iso) {
    if (!iso) return '–';
    const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (seconds < 60) return seconds + ' s ago';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ago';
    return Math.floor(seconds / 86400) + ' d ago';
  }

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = String(content);
    return node;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      if (cell instanceof Node) {
        const td = document.createElement('td');
        td.appendChild(cell);
        tr.appendChild(td);
      } else {
        const td = el('td', cell.className, cell.text);
        if (cell.title) td.title = cell.title;
        tr.appendChild(td);
      }
    }
    return tr;
  }

  function fillTable(tableId, emptyId, rows) {
    const body = $(tableId).querySelector('tbody');
    body.replaceChildren(...rows);
    $(emptyId).hidden = rows.length > 0;
  }

  // ---------------------------------------------------------------------------- fetching
  async function getJson(path, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== '' && value !== null && value !== undefined) query.set(key, value);
    }
    // against the origin, not the page address: opened as http://user:password@host/, a relative URL
    // would carry the credentials and fetch() refuses such a URL (the browser sends them itself)
    const url = location.origin + path + (query.toString() ? '?' + query : '');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(4000, state.config.pollIntervalMs * 2));
    try {
      const response = await fetch(url, { signal: controller.signal, cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(url + ' answered ' + response.status);
      return await response.json();
    } finally {
      clearTimeout(timer);
    }
  }

  // every answer; withFeed false: all but the live feed, which the stream fills while it is open
  async function poll(withFeed = true) {
    clearTimeout(state.timer);
    state.timer = null;
    state.inFlight = true;
    state.lastRefresh = Date.now();
    const loc = { location: state.location };
    const feedAnswer = withFeed ? getJson('/api/transactions/recent', { location: state.location, limit: 25 }) : Promise.resolve(null);
    try {
      const [summary, locations, machines, products, payments, hourly, lowStock, feed, rejections, pipeline, alerts] = await Promise.all([
        getJson('/api/summary', loc),
        getJson('/api/locations'),
        getJson('/api/machines', loc),
        getJson('/api/products/top', { location: state.location, limit: 10 }),
        getJson('/api/payments', loc),
        getJson('/api/hourly', { location: state.location, days: 28 }),
        getJson('/api/stock/low', { location: state.location, limit: 50 }),
        feedAnswer,
        getJson('/api/rejections', { limit: 10 }),
        getJson('/api/pipeline'),
        getJson('/api/alerts', { location: state.location, state: 'open', limit: 100 }),
      ]);
      renderSummary(summary);
      renderLocations(locations);
      renderMachines(machines);
      renderProducts(products);
      renderPayments(payments);
      renderHeatmap(hourly);
      renderLowStock(lowStock);
      renderAlerts(alerts);
      if (feed) renderFeed(feed);
      renderRejections(rejections);
      renderPipeline(pipeline);
      state.polls += 1;
      document.body.dataset.polls = String(state.polls);
      markLive();
    } catch (error) {
      markStale(error);
    } finally {
      state.inFlight = false;
      // a filter changed while this poll ran: answer it now rather than after the interval; while the
      // stream is open, the next refresh waits for a change (refreshSoon) instead of the interval
      if (state.again) {
        state.timer = setTimeout(poll, 0);
      } else if (state.changed) {
        refreshSoon();
      } else if (!state.streaming) {
        state.timer = setTimeout(poll, state.config.pollIntervalMs);
      }
      state.again = false;
    }
  }

  function pollNow() {
    if (state.inFlight) {
      state.again = true;
    } else {
      poll();
    }
  }

  // ---------------------------------------------------------------------------- live changes
  // One EventSource per page. The browser reconnects by itself (after the stream's retry time) and
  // sends Last-Event-ID, so the server resends what was missed; meanwhile the page polls.
  // A headless Chromium taking a screenshot (chromium --headless --screenshot --virtual-time-budget)
  // waits until no request is pending, which an endless stream never allows: such a browser (headless
  // and not driven by WebDriver, as the browser tests are) polls instead.
  function screenshotOnly() {
    return navigator.userAgent.includes('HeadlessChrome') && !navigator.webdriver;
  }

  function follow() {
    if (!window.EventSource || screenshotOnly()) return;
    const source = new EventSource(location.origin + '/api/stream');
    // the first event: whether this instance's stream carries the committed sales (an instance that
    // runs no ingest sees none of them, so the page keeps polling and takes only alerts from the stream)
    source.addEventListener('hello', (event) => {
      const commits = JSON.parse(event.data).commits;
      document.body.dataset.stream = commits ? 'open' : 'alerts-only';
      if (!commits || state.streaming) return;
      state.streaming = true;
      // the stream says what changes from now on; what changed while it was closed comes from one poll
      pollNow();
    });
    source.addEventListener('change', (event) => onChange(JSON.parse(event.data)));
    source.addEventListener('alerts', () => refreshSoon());
    source.addEventListener('reset', () => pollNow());
    source.addEventListener('heartbeat', () => { if (!state.inFlight && document.body.dataset.state === 'live') markLive(); });
    source.addEventListener('error', () => {
      if (!state.streaming) return;
      state.streaming = false;
      document.body.dataset.stream = 'closed';
      // back to polling until the stream is open again; a failing poll shows Offline
      pollNow();
    });
  }

  function onChange(change) {
    state.streamedChanges = (state.streamedChanges || 0) + 1;
    document.body.dataset.changes = String(state.streamedChanges);
    const fresh = change.latest.filter((t) => !state.location || t.location === state.location);
    if (fresh.length > 0) {
      // at a high rate several batches arrive between two frames: the feed is drawn once per frame
      state.incoming = (state.incoming || []).concat(fresh);
      if (!state.drawing) {
        state.drawing = true;
        requestAnimationFrame(drawIncoming);
      }
    }
    refreshSoon();
  }

  function drawIncoming() {
    state.drawing = false;
    const known = new Set(state.feed.map((t) => t.eventId));
    const merged = state.incoming.filter((t) => !known.has(t.eventId)).concat(state.feed);
    state.incoming = [];
    merged.sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : 0));
    renderFeed({ transactions: merged.slice(0, 25) });
    markLive();
  }

  // the other panels: refreshed once the poll interval has passed since the last refresh
  function refreshSoon() {
    state.changed = true;
    if (state.inFlight || state.timer) return;
    const wait = Math.max(0, state.lastRefresh + state.config.pollIntervalMs - Date.now());
    state.timer = setTimeout(() => {
      state.changed = false;
      poll(false);
    }, wait);
  }

  function markLive() {
    state.lastSuccess = new Date();
    state.failingSince = null;
    document.body.dataset.state = 'live';
    const status = $('status');
    status.className = 'status status-live';
    status.textContent = 'Live';
    text('last-updated', timeFormat.format(state.lastSuccess));
    $('last-updated').dateTime = state.lastSuccess.toISOString();
    $('stale-banner').hidden = true;
  }

  function markStale(error) {
    if (!state.failingSince) state.failingSince = new Date();
    document.body.dataset.state = 'stale';
    const status = $('status');
    status.className = 'status status-stale';
    status.textContent = 'Offline · data stale';
    $('stale-banner').hidden = false;
    const since = state.lastSuccess ? 'Last good update ' + timeFormat.format(state.lastSuccess) + ' (' + ago(state.lastSuccess.toISOString()) + ').'
      : 'No data received yet.';
    text('stale-detail', since + ' ' + (error && error.message ? '(' + error.message + ')' : ''));
  }

  // ---------------------------------------------------------------------------- panels
  function renderSummary(s) {
    text('kpi-sales', count.format(s.sales));
    text('kpi-units', count.format(s.units) + ' units');
    // the cards name the currency once; the figures stay short enough to read at a glance
    text('kpi-revenue', count.format(Math.round(Number(s.revenue))));
    text('kpi-ticket', count.format(Math.round(Number(s.averageTicket))));
    text('kpi-machines', count.format(s.machinesReporting));
    text('kpi-machines-known', 'of ' + count.format(s.machinesKnown) + ' known');
    text('kpi-rejected', count.format(s.rejected));
    text('kpi-duplicates', count.format(s.duplicates));
    const l = s.latency || {};
    text('kpi-latency', l.samples ? [l.p50Ms, l.p95Ms, l.p99Ms].map((v) => (v >= 10 ? count.format(Math.round(v)) : ms.format(v))).join(' / ') + ' ms' : '–');
    // how late the machines report is theirs, not the pipeline's: shown apart
    const d = s.deviceDelay || {};
    text('kpi-latency-sub', count.format(l.samples || 0) + ' events, last ' + (l.windowMinutes || '?') + ' min'
      + (d.samples ? ' · devices report ' + delay(d.p50Ms) + ' late (p50)' : ''));
    text('kpi-last-event', time(s.lastEventAt));
    text('kpi-last-event-ago', ago(s.lastEventAt));
  }

  function renderLocations(data) {
    // the filter lists every known location; the chart follows the filter
    const select = $('location-filter');
    const known = new Set(Array.from(select.options).map((o) => o.value));
    const names = data.locations.map((l) => l.location).sort((a, b) => a.localeCompare(b));
    for (const name of names) {
      if (!known.has(name)) {
        const option = el('option', null, name);
        option.value = name;
        select.appendChild(option);
      }
    }
    const shown = data.locations.filter((l) => !state.location || l.location === state.location);
    barChart('chart-locations', shown.map((l) => l.location), shown.map((l) => Number(l.revenue)), inCurrency('Revenue'), money, false);
  }

  function renderMachines(data) {
    const top = data.machines.slice().sort((a, b) => Number(b.revenueToday) - Number(a.revenueToday)).slice(0, 15);
    const since = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const label = (m) => m.machineId + (m.status === 'offline' ? ' (offline since ' + since(m.connection.since) + ')'
      : m.status === 'silent' ? ' (silent)' : m.status === 'audit' ? ' (audits only)' : '');
    barChart('chart-machines', top.map(label), top.map((m) => Number(m.revenueToday)), inCurrency('Revenue today'), money, true);
    text('machines-online', count.format(data.online) + ' online, ' + count.format(data.silent) + ' silent (no event for '
      + Math.round(data.silentAfterSeconds / 60) + ' min)' + (data.offline > 0 ? ', ' + count.format(data.offline)
      + ' offline (' + data.machines.filter((m) => m.status === 'offline').map((m) => m.machineId + ' since '
      + since(m.connection.since)).join(', ') + ')' : '') + (data.auditOnly > 0 ? ', ' + count.format(data.auditOnly)
      + ' known from audits only' : ''));
  }

  function renderProducts(data) {
    barChart('chart-products', data.products.map((p) => p.product), data.products.map((p) => p.units), 'Units', count, true);
  }

  function renderPayments(data) {
    const labels = data.methods.map((m) => m.paymentMethod + ' · ' + m.share + '%');
    const values = data.methods.map((m) => m.sales);
    let chart = state.charts['chart-payments'];
    if (!chart) {
      chart = new Chart($('chart-payments'), {
        type: 'doughnut',
        data: { labels, datasets: [{ data: values, backgroundColor: PALETTE, borderColor: '#fff', borderWidth: 2 }] },
        options: {
          animation: false, maintainAspectRatio: false,
          plugins: {
            legend: { position: 'right' },
            tooltip: { callbacks: { label: (ctx) => ' ' + count.format(ctx.parsed) + ' sales' } },
          },
        },
      });
      state.charts['chart-payments'] = chart;
    } else {
      chart.data.labels = labels;
      chart.data.datasets[0].data = values;
      chart.update('none');
    }
  }

  function barChart(id, labels, values, label, format, horizontal) {
    let chart = state.charts[id];
    if (!chart) {
      chart = new Chart($(id), {
        type: 'bar',
        data: { labels, datasets: [{ label, data: values, backgroundColor: horizontal ? PALETTE[0] : PALETTE, borderRadius: 3 }] },
        options: {
          indexAxis: horizontal ? 'y' : 'x',
          animation: false, maintainAspectRatio: false,
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => ' ' + format.format(horizontal ? ctx.parsed.x : ctx.parsed.y) } } },
          scales: {
            [horizontal ? 'x' : 'y']: { beginAtZero: true, ticks: { callback: (v) => compact(v) } },
            [horizontal ? 'y' : 'x']: { ticks: { autoSkip: false, font: { size: 11 } } },
          },
        },
      });
      state.charts[id] = chart;
    } else {
      chart.data.labels = labels;
      chart.data.datasets[0].data = values;
      chart.update('none');
    }
  }

  const compactFormat = new Intl.NumberFormat('id-ID', { notation: 'compact', maximumFractionDigits: 1 });
  function compact(v) {
    return compactFormat.format(v);
  }

  function renderHeatmap(data) {
    const table = $('heatmap');
    const max = Math.max(1, data.maxSales);
    const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const head = document.createElement('tr');
    head.appendChild(el('th', null, ''));
    for (let h = 0; h < 24; h++) head.appendChild(el('th', null, String(h).padStart(2, '0')));
    const rows = [head];
    for (let d = 0; d < 7; d++) {
      const tr = document.createElement('tr');
      tr.appendChild(el('th', null, days[d]));
      for (let h = 0; h < 24; h++) {
        const cell = data.cells[d * 24 + h];
        const td = el('td', null, cell.sales > 0 ? compact(cell.sales) : '');
        const t = cell.sales / max;
        td.style.background = heat(t);
        td.style.color = t > 0.55 ? '#fff' : '#1d2329';
        td.title = days[d] + ' ' + String(h).padStart(2, '0') + ':00 · ' + count.format(cell.sales) + ' sales · ' + money.format(cell.revenue);
        td.dataset.sales = String(cell.sales);
        tr.appendChild(td);
      }
      rows.push(tr);
    }
    table.replaceChildren(...rows);
    text('heatmap-caption', 'sales per weekday and hour, last ' + data.days + ' days, ' + data.timezone + ' time'
      + (state.location ? ', ' + state.location : ''));
  }

  // one hue, light to dark (sequential): readable for every colour vision
  function heat(t) {
    if (t <= 0) return '#f4f6f8';
    const stops = [[238, 243, 247], [86, 180, 233], [0, 114, 178], [0, 58, 92]];
    const x = Math.min(0.999, t) * (stops.length - 1);
    const i = Math.floor(x);
    const f = x - i;
    const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
    return 'rgb(' + c.join(',') + ')';
  }

  function renderLowStock(data) {
    fillTable('low-stock', 'low-stock-empty', data.alerts.map((a) => row([
      el('span', 'badge badge-' + a.level, a.level === 'out' ? 'OUT' : 'LOW'),
      { text: a.machineId }, { text: a.location }, { text: a.product },
      { text: count.format(a.quantity) + ' / ' + count.format(a.capacity), className: 'num' },
      { text: ago(a.asOf), title: a.asOf },
    ])));
  }

  // ---------------------------------------------------------------------------- alerts
  const SEVERITY = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };

  function duration(seconds) {
    if (seconds < 60) return seconds + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
    return Math.floor(seconds / 86400) + ' d ' + Math.floor((seconds % 86400) / 3600) + ' h';
  }

  function acknowledgement(alert) {
    if (alert.acknowledgedAt) {
      const done = el('span', 'acked', '✓ ' + (alert.acknowledgedBy || ''));
      done.title = 'acknowledged ' + alert.acknowledgedAt;
      return done;
    }
    const button = el('button', 'ack', 'Acknowledge');
    button.type = 'button';
    button.dataset.alertId = String(alert.id);
    button.addEventListener('click', () => acknowledge(alert, button));
    return button;
  }

  async function acknowledge(alert, button) {
    button.disabled = true;
    button.textContent = 'Acknowledging…';
    try {
      const response = await fetch(location.origin + '/api/alerts/' + encodeURIComponent(alert.id) + '/ack', {
        method: 'POST', cache: 'no-store', headers: { Accept: 'application/json' },
      });
      if (!response.ok) throw new Error('answered ' + response.status);
      const acked = await response.json();
      // show it at once, and keep showing it while polls still bring the cached list from before
      ackedHere.set(acked.id, acked);
      button.replaceWith(acknowledgement(acked));
    } catch (error) {
      button.disabled = false;
      button.textContent = 'Acknowledge';
      button.title = 'Not acknowledged (' + error.message + '); try again';
    }
  }

  // alerts acknowledged from this page, until the API's answers show them acknowledged too
  const ackedHere = new Map();

  function renderAlerts(data) {
    text('alerts-caption', data.open + ' open, most severe first');
    fillTable('alerts', 'alerts-empty', data.alerts.map((listed) => {
      const a = !listed.acknowledgedAt && ackedHere.has(listed.id) ? ackedHere.get(listed.id) : listed;
      if (listed.acknowledgedAt) ackedHere.delete(listed.id);
      const tr = row([
        el('span', 'badge badge-' + a.severity, SEVERITY[a.severity] || a.severity),
        { text: a.rule }, { text: a.summary }, { text: a.location },
        { text: duration(a.ageSeconds), title: 'since ' + a.openedAt },
        acknowledgement(a),
      ]);
      tr.dataset.alertId = String(a.id);
      return tr;
    }));
  }

  function renderFeed(data) {
    const rows = data.transactions.map((t) => {
      const tr = row([
        { text: time(t.occurredAt), title: t.occurredAt }, { text: t.machineId }, { text: t.location }, { text: t.product },
        { text: count.format(t.quantity), className: 'num' }, { text: moneyExact.format(t.amount), className: 'num' },
        { text: t.paymentMethod },
      ]);
      if (state.polls > 0 && !state.seenSales.has(t.eventId)) tr.className = 'fresh';
      tr.dataset.eventId = t.eventId;
      return tr;
    });
    state.feed = data.transactions;
    state.seenSales = new Set(data.transactions.map((t) => t.eventId));
    fillTable('feed', 'feed-empty', rows);
  }

  function renderRejections(data) {
    const reasons = $('reasons');
    reasons.replaceChildren(...data.reasons.map((r) => {
      const li = el('li', null, r.reason);
      li.appendChild(el('b', null, count.format(r.count)));
      return li;
    }));
    fillTable('rejections', 'rejections-empty', data.latest.map((r) => row([
      { text: time(r.rejectedAt), title: r.rejectedAt },
      el('span', 'badge badge-reason', r.reason),
      { text: r.detail, className: 'detail' },
      { text: r.partition + '@' + r.offset, title: r.topic + ' partition ' + r.partition + ' offset ' + r.offset },
      { text: r.payloadPreview + (r.payloadTruncated ? ' …' : ''), className: 'payload',
        title: r.payloadSize + ' bytes' + (r.payloadTruncated ? ' (first ' + atob(r.payloadBase64).length + ' shown)' : '') },
    ])));
  }

  function renderPipeline(p) {
    text('pipe-consumed', count.format(p.consumed));
    text('pipe-stored', count.format(p.stored));
    text('pipe-duplicates', count.format(p.duplicates));
    text('pipe-rejected', count.format(p.rejected));
    text('pipe-lag', p.lag === null ? 'n/a' : count.format(p.lag));
    text('pipeline-caption', p.topic + ' · group ' + p.group);
    text('pipe-reconciled', (p.reconciled ? '✔ consumed = stored + duplicates + rejected' : '✖ counters do not reconcile')
      + (p.lagError ? ' · ' + p.lagError : ''));
    const dash = (v) => (v === null || v === undefined ? '–' : count.format(v));
    // the payment processor's topic, read by a consumer group of its own
    const pay = p.payments;
    $('pipe-payments').hidden = !pay;
    if (pay) {
      text('pipe-payments', 'Payments (' + pay.topic + ' · group ' + pay.group + '): ' + count.format(pay.consumed) + ' consumed, '
        + count.format(pay.stored) + ' stored, ' + count.format(pay.duplicates) + ' duplicates, ' + count.format(pay.rejected)
        + ' rejected, lag ' + (pay.lag === null ? 'n/a' : count.format(pay.lag))
        + (pay.reconciled ? ' ✔' : ' ✖ counters do not reconcile') + (pay.lagError ? ' · ' + pay.lagError : ''));
    }
    $('partitions').querySelector('tbody').replaceChildren(...p.partitions.map((x) => row([
      { text: x.partition }, { text: dash(x.consumed), className: 'num' }, { text: dash(x.stored), className: 'num' },
      { text: dash(x.duplicates), className: 'num' }, { text: dash(x.rejected), className: 'num' },
      { text: dash(x.endOffset), className: 'num' }, { text: dash(x.committedOffset), className: 'num' },
      { text: dash(x.lag), className: 'num' },
    ])));
    $('routes').replaceChildren(...p.routes.map((r) => {
      const li = document.createElement('li');
      const name = el('code', null, r.id);
      name.title = r.description || '';
      li.appendChild(name);
      li.appendChild(el('span', r.status === 'Started' ? 'route-started' : 'route-other', r.status));
      return li;
    }));
  }

  // ---------------------------------------------------------------------------- file imports
  // polled on their own, less often: an import changes slowly, and the panel must not mark the
  // whole dashboard stale when only this answer is late
  async function pollImports() {
    try {
      renderImports(await getJson('/api/imports'));
    } catch (e) {
      // shown again on the next poll
    } finally {
      setTimeout(pollImports, Math.max(5000, state.config.pollIntervalMs * 2));
    }
  }

  function renderImports(data) {
    text('imports-caption', 'files dropped into ' + data.directory);
    text('imports-progress', data.inProgress.length === 0 ? 'No import in progress.'
      : data.inProgress.map((i) => 'Importing ' + i.file + ': ' + count.format(i.linesRead) + ' lines read, '
        + count.format(i.recordsPublished) + ' published').join(' · '));
    fillTable('imports', 'imports-empty', data.reports.map((r) => row([
      { text: r.file },
      el('span', r.status === 'done' ? 'badge badge-reason' : 'badge badge-out', r.status),
      { text: r.linesRead === undefined ? '–' : count.format(r.linesRead), className: 'num' },
      { text: r.recordsPublished === undefined ? '–' : count.format(r.recordsPublished), className: 'num' },
      { text: time(r.finishedAt), title: r.finishedAt },
      { text: r.status === 'done' ? (r.seconds + ' s' + (r.rowsPublishedRaw ? ', ' + r.rowsPublishedRaw + ' rows kept raw' : ''))
        : r.reason, className: 'detail' },
    ])));
  }

  // ---------------------------------------------------------------------------- machine audits
  // DEX reads arrive at restock visits, not by the second: polled on their own, like the imports;
  // one row per machine, its latest interval between two reads
  async function pollAudits() {
    try {
      renderAudits(await getJson('/api/reconciliation', { limit: 500 }));
    } catch (e) {
      // shown again on the next poll
    } finally {
      setTimeout(pollAudits, Math.max(10000, state.config.pollIntervalMs * 5));
    }
  }

  function renderAudits(data) {
    const latest = new Map();
    for (const i of data.intervals) {
      if (!latest.has(i.machineId)) latest.set(i.machineId, i);
    }
    const t = data.totals;
    text('audits-totals', t.intervals === 0 ? '' : count.format(t.intervals) + ' intervals: '
      + count.format(t.dex.paidVends || 0) + ' vends counted by the machines, ' + count.format(t.stream.paidVends || 0)
      + ' streamed, ' + count.format(t.missingVends) + ' missing (' + moneyExact.format(t.missingValue) + ')');
    const rows = [...latest.values()].sort((a, b) => b.missingVends - a.missingVends || a.machineId.localeCompare(b.machineId))
      .map((i) => row([
        { text: i.machineId },
        { text: ago(i.to), title: i.from + ' – ' + i.to + (i.counterReset ? ' (counters reset)' : '') },
        { text: i.dex.paidVends === null ? '–' : count.format(i.dex.paidVends), className: 'num' },
        { text: count.format(i.stream.paidVends || 0), className: 'num' },
        { text: count.format(i.missingVends), className: 'num' + (i.missingVends > 0 ? ' bad' : '') },
        { text: moneyExact.format(i.cashDifference), className: 'num' + (Number(i.cashDifference) !== 0 ? ' bad' : '') },
        { text: moneyExact.format(i.cashlessDifference), className: 'num' + (Number(i.cashlessDifference) !== 0 ? ' bad' : '') },
        { text: i.cashToBox === null ? '–' : moneyExact.format(i.cashToBox), className: 'num' },
      ]));
    fillTable('audits', 'audits-empty', rows);
  }

  // ---------------------------------------------------------------------------- cashless payments
  // authorizations come by the second but settlements by the night: polled on their own, like the audits
  async function pollCashless() {
    try {
      const [reconciliation, exceptions] = await Promise.all([
        getJson('/api/payments/reconciliation'), getJson('/api/payments/exceptions', { limit: 50 })]);
      renderCashless(reconciliation, exceptions);
    } catch (e) {
      // shown again on the next poll
    } finally {
      setTimeout(pollCashless, Math.max(10000, state.config.pollIntervalMs * 5));
    }
  }

  const pair = (a, b, unit) => (a === null || b === null ? '–' : ms.format(a) + ' / ' + ms.format(b) + ' ' + unit);

  function renderPaymentKpis(k) {
    text('pay-auth-delay', pair(k.vendToAuthorizationSecondsP50, k.vendToAuthorizationSecondsP95, 's'));
    text('pay-settle-lag', pair(k.settlementLagHoursP50, k.settlementLagHoursP95, 'h'));
    text('pay-settled-share', k.settledShare === null ? '–' : ms.format(Number(k.settledShare) * 100) + ' %');
    text('pay-open-exceptions', count.format(k.openExceptions));
    $('pay-open-exceptions').classList.toggle('bad', k.openExceptions > 0);
  }

  function renderCashless(reconciliation, exceptions) {
    renderPaymentKpis(reconciliation.kpis);
    const t = reconciliation.totals;
    text('payments-totals', t.transactions === 0 ? '' : count.format(t.cashlessVends) + ' cashless vends ('
      + moneyExact.format(t.cashlessRevenue) + '): authorized ' + moneyExact.format(t.authorized) + ', settled '
      + moneyExact.format(t.settled) + ', refunded ' + moneyExact.format(t.refunded) + ', outstanding '
      + moneyExact.format(t.outstanding));
    fillTable('payment-exceptions', 'payment-exceptions-empty', exceptions.exceptions.map((e) => row([
      el('span', 'badge badge-out', e.kind),
      { text: e.machineId },
      { text: e.transactionRef },
      { text: e.amount === null ? '–' : moneyExact.format(e.amount), className: 'num' },
      { text: e.detail, className: 'detail' },
      { text: ago(e.openedAt), title: e.openedAt },
    ])));
  }

  // ---------------------------------------------------------------------------- start
  async function start() {
    try {
      state.config = Object.assign(state.config, await getJson('/api/config'));
    } catch (e) {
      // keep the defaults; the first poll shows whether the API answers
    }
    timeFormat = new Intl.DateTimeFormat('id-ID', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
      timeZone: state.config.timezone });
    if (currency()) {
      money = new Intl.NumberFormat('id-ID', { style: 'currency', currency: currency(), minimumFractionDigits: 0, maximumFractionDigits: 0 });
      moneyExact = new Intl.NumberFormat('id-ID', { style: 'currency', currency: currency(), minimumFractionDigits: 0, maximumFractionDigits: 2 });
      text('kpi-revenue-currency', currency());
      text('kpi-ticket-currency', currency() + ' per sale');
    }
    document.body.dataset.pollIntervalMs = String(state.config.pollIntervalMs);
    $('location-filter').addEventListener('change', (event) => {
      state.location = event.target.value;
      const label = state.location || 'all locations';
      document.title = 'vendstream · ' + label;
      pollNow();
    });
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = '#5b6770';
    poll();
    follow();
    pollImports();
    pollAudits();
    pollCashless();
  }

  // ------------------------------------------------------------------- restock view link
  // the visit plan moves with sales, not by the second: polled on its own, slower, and a failure
  // here leaves the rest of the dashboard alone
  async function pollRestock() {
    try {
      const plan = await getJson('/api/restock/plan', { location: state.location });
      $('restock-count').textContent = String(plan.machinesToVisit);
      $('restock-link').dataset.due = String(plan.machinesToVisit > 0);
    } catch (e) {
      $('restock-count').textContent = '–';
    } finally {
      setTimeout(pollRestock, Math.max(10000, state.config.pollIntervalMs * 10));
    }
  }
  // a deferred script: the page is parsed by now
  setTimeout(pollRestock, 0);

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
