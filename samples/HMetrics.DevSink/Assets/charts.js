// The dev sink's charts: hand-written SVG, no library, no CDN. Polls api/data and redraws.
(function () {
  'use strict';

  var COLORS = ['#79589f', '#3fa9f5', '#f5a623', '#59b17a', '#e0457b', '#00a3a1', '#8c8c8c', '#b8860b'];
  // Series that share a chart can carry equal values (go.routines and dotnet.thread_pool.thread.count both read
  // ThreadPool.ThreadCount): each series also gets its own dash pattern, marker shape and width, the first (solid)
  // widest, so a dashed line drawn on top of an equal one still shows both.
  var DASHES = ['', '7 4', '2 3', '10 3 2 3', '4 4', '1 3', '12 4', '6 2 2 2'];
  var MARKERS = ['circle', 'square', 'triangle', 'diamond', 'circle', 'square', 'triangle', 'diamond'];
  var NS = 'http://www.w3.org/2000/svg';
  var POLL_MS = 2000;

  // The Heroku Dashboard's Go charts first, then the DotNet schema's. A chart is drawn when any of its series was
  // posted; a series is a metric name, or a prefix that yields one series per name under it. scale converts to the unit.
  var CHARTS = [
    { id: 'gc-collections', title: 'GC Collections', unit: 'count', per: 'per report', series: [
      { name: 'go.gc.collections', label: 'collections' },
      { prefix: 'dotnet.gc.collections.' }] },
    { id: 'gc-pause', title: 'GC Pause Time', unit: 'ms', per: 'per report', series: [
      { name: 'go.gc.pause.ns', label: 'pause', scale: 1e-6 },
      { name: 'dotnet.gc.pause.time', label: 'dotnet pause', scale: 1e3 }] },
    { id: 'memory', title: 'Memory', unit: 'bytes', series: [
      { name: 'go.memory.heap.bytes', label: 'heap' },
      { name: 'go.memory.stack.bytes', label: 'stack' },
      { name: 'dotnet.gc.last_collection.memory.committed_size', label: 'committed' },
      { name: 'dotnet.process.memory.working_set', label: 'working set' }] },
    { id: 'threads', title: 'Goroutines / Threads', unit: 'count', series: [
      { name: 'go.routines', label: 'routines' },
      { name: 'dotnet.thread_pool.thread.count', label: 'thread pool threads' },
      { name: 'dotnet.thread_pool.queue.length', label: 'queued work items' }] },
    { id: 'gc-goal', title: 'GC Goal', unit: 'bytes', series: [{ name: 'go.gc.goal', label: 'goal' }] },
    { id: 'heap-objects', title: 'Heap Objects', unit: 'count', series: [{ name: 'go.memory.heap.objects', label: 'objects' }] },
    { id: 'heap-size', title: 'Heap Size after Last GC', unit: 'bytes', series: [{ prefix: 'dotnet.gc.last_collection.heap.size.' }] },
    { id: 'fragmentation', title: 'Heap Fragmentation after Last GC', unit: 'bytes', series: [{ prefix: 'dotnet.gc.last_collection.heap.fragmentation.size.' }] },
    { id: 'allocated', title: 'Allocated', unit: 'bytes', per: 'per report', series: [{ name: 'dotnet.gc.heap.total_allocated', label: 'allocated' }] },
    { id: 'cpu', title: 'CPU Time', unit: 's', per: 'per report', series: [{ prefix: 'dotnet.process.cpu.time.' }] },
    { id: 'cpu-count', title: 'CPUs Available', unit: 'count', series: [{ name: 'dotnet.process.cpu.count', label: 'processors' }] },
    { id: 'contention', title: 'Lock Contentions', unit: 'count', per: 'per report', series: [{ name: 'dotnet.monitor.lock_contentions', label: 'contentions' }] },
    { id: 'work-items', title: 'Thread Pool Work Items', unit: 'count', per: 'per report', series: [{ name: 'dotnet.thread_pool.work_item.count', label: 'completed' }] },
    { id: 'exceptions', title: 'Exceptions', unit: 'count', per: 'per report', series: [{ name: 'dotnet.exceptions', label: 'thrown' }] },
    { id: 'timers', title: 'Active Timers', unit: 'count', series: [{ name: 'dotnet.timer.count', label: 'timers' }] },
    { id: 'jit-methods', title: 'JIT-Compiled Methods', unit: 'count', per: 'per report', series: [{ name: 'dotnet.jit.compiled_methods', label: 'methods' }] },
    { id: 'jit-il', title: 'JIT-Compiled IL', unit: 'bytes', per: 'per report', series: [{ name: 'dotnet.jit.compiled_il.size', label: 'IL' }] },
    { id: 'jit-time', title: 'JIT Compilation Time', unit: 's', per: 'per report', series: [{ name: 'dotnet.jit.compilation.time', label: 'compiling' }] },
    { id: 'assemblies', title: 'Loaded Assemblies', unit: 'count', series: [{ name: 'dotnet.assembly.count', label: 'assemblies' }] }
  ];

  // Go names the Dashboard charts that HMetrics.Hosting never posts (docs/metric-mapping.md says why).
  var NEVER_POSTED = ['go.gc.goal', 'go.memory.heap.objects', 'go.memory.stack.bytes'];

  var state = { dyno: null, reports: [], lastSequence: 0, now: Date.now(), renders: 0, faultsShown: false };
  var $ = function (id) { return document.getElementById(id); };

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) { node.setAttribute(key, attrs[key]); }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function html(tag, attrs, text, parent) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) { node.setAttribute(key, attrs[key]); }
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  // ---- formatting -------------------------------------------------------------------------------------------
  function trim(n) { return (Math.round(n * 100) / 100).toString(); }

  function format(value, unit) {
    var abs = Math.abs(value);
    if (unit === 'bytes') {
      var units = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0;
      while (abs >= 1024 && i < units.length - 1) { abs /= 1024; value /= 1024; i++; }
      return trim(value) + ' ' + units[i];
    }
    if (unit === 'ms') { return trim(value) + ' ms'; }
    if (unit === 's') { return abs < 1 ? trim(value * 1000) + ' ms' : trim(value) + ' s'; }
    if (abs >= 1e6) { return trim(value / 1e6) + 'M'; }
    if (abs >= 1e4) { return trim(value / 1e3) + 'k'; }
    return trim(value);
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(ms) { var d = new Date(ms); return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }

  function niceStep(span, count) {
    var raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  }

  function niceBinaryStep(span, count) {
    // Byte axes tick at 1, 2, 4, ... KB/MB so labels stay round.
    var raw = span / count, step = 1;
    while (step < raw) { step *= 2; }
    return step;
  }

  // ---- data ---------------------------------------------------------------------------------------------------
  function valueOf(report, name) {
    if (report.counters && Object.prototype.hasOwnProperty.call(report.counters, name)) { return report.counters[name]; }
    if (report.gauges && Object.prototype.hasOwnProperty.call(report.gauges, name)) { return report.gauges[name]; }
    return undefined;
  }

  function allNames() {
    var names = {};
    state.reports.forEach(function (r) {
      Object.keys(r.counters || {}).forEach(function (n) { names[n] = 'counter'; });
      Object.keys(r.gauges || {}).forEach(function (n) { names[n] = 'gauge'; });
    });
    return names;
  }

  function guessUnit(name) {
    if (/(bytes|size|working_set)$/.test(name)) { return 'bytes'; }
    if (/\.ns$/.test(name)) { return 'ns'; }
    if (/time$/.test(name)) { return 's'; }
    return 'count';
  }

  // "myapp.queue.depth" -> "Myapp queue depth": a chart for a name the page does not know still has a title in words.
  function titleOf(name) {
    var words = name.split(/[._-]+/).filter(function (w) { return w.length; }).join(' ');
    return words.charAt(0).toUpperCase() + words.substring(1);
  }

  // Expands chart definitions into the series posted, and adds one chart for every other name received.
  function layout(names) {
    var claimed = {}, charts = [];
    CHARTS.forEach(function (def) {
      var series = [];
      def.series.forEach(function (s) {
        if (s.prefix) {
          Object.keys(names).sort().forEach(function (n) {
            if (n.indexOf(s.prefix) === 0) { series.push({ name: n, label: n.substring(s.prefix.length), scale: s.scale || 1 }); claimed[n] = true; }
          });
        } else {
          claimed[s.name] = true;
          if (names[s.name]) { series.push({ name: s.name, label: s.label, scale: s.scale || 1 }); }
        }
      });
      if (series.length) { charts.push({ def: def, series: series }); }
    });
    Object.keys(names).sort().forEach(function (n) {
      if (claimed[n]) { return; }
      var unit = guessUnit(n);
      charts.push({
        def: { id: 'metric-' + n, title: titleOf(n), name: n, unit: unit === 'ns' ? 'ms' : unit, per: names[n] === 'counter' ? 'per report' : '' },
        series: [{ name: n, label: n, scale: unit === 'ns' ? 1e-6 : 1 }]
      });
    });
    return charts;
  }

  // One line saying what the Dashboard or the other schema would show that these reports do not hold, and why.
  function notPosted(names) {
    var all = Object.keys(names), parts = [];
    var hasGo = all.some(function (n) { return n.indexOf('go.') === 0; });
    var hasDotNet = all.some(function (n) { return n.indexOf('dotnet.') === 0; });
    var missing = NEVER_POSTED.filter(function (n) { return !names[n]; });
    if (missing.length === NEVER_POSTED.length) {
      parts.push('Go\u2019s GC goal, heap objects and stack memory (.NET has no reading for them, so HMetrics.Hosting never posts them)');
    }
    if (hasGo && !hasDotNet) {
      parts.push('the .NET runtime charts (heap by generation, CPU, JIT, exceptions\u2026: posted with HerokuMetrics:Schema = Both or DotNet)');
    }
    if (hasDotNet && !hasGo) {
      parts.push('the go.* names the Heroku Dashboard charts (posted with HerokuMetrics:Schema = Go or Both)');
    }
    return parts.length ? 'Not in these reports: ' + parts.join('; ') + '.' : '';
  }

  // ---- drawing ------------------------------------------------------------------------------------------------
  var W = 560, H = 190, M = { left: 62, right: 12, top: 10, bottom: 24 };

  function marker(svg, shape, cx, cy, color, name) {
    var r = 3, attrs;
    if (shape === 'circle') { attrs = { cx: cx, cy: cy, r: r }; }
    else if (shape === 'square') { shape = 'rect'; attrs = { x: cx - r, y: cy - r, width: 2 * r, height: 2 * r }; }
    else if (shape === 'triangle') { shape = 'polygon'; attrs = { points: [cx, cy - r - 1, cx + r + 1, cy + r, cx - r - 1, cy + r].join(' ') }; }
    else { shape = 'polygon'; attrs = { points: [cx, cy - r - 1, cx + r + 1, cy, cx, cy + r + 1, cx - r - 1, cy].join(' ') }; }
    attrs['class'] = 'marker';
    attrs.fill = color;
    attrs['data-metric'] = name;
    return el(shape, attrs, svg);
  }

  function styleOf(i, count) {
    return { color: COLORS[i % COLORS.length], dash: DASHES[i % DASHES.length], marker: MARKERS[i % MARKERS.length], width: 1.6 + Math.min(count - 1 - i, 2) * 1.1 };
  }

  // The time range drawn. "fit the data" spans the reports kept, first to last (at least 10 s, so a first report
  // does not fill the width alone); a fixed window ends at the sink's clock.
  function range(windowMs) {
    if (windowMs) { return { start: state.now - windowMs, end: state.now }; }
    if (!state.reports.length) { return { start: state.now - 10e3, end: state.now }; }
    var first = Date.parse(state.reports[0].measuredAt), last = Date.parse(state.reports[state.reports.length - 1].measuredAt);
    var span = Math.max(last - first, 10e3), pad = span * 0.02;
    return { start: last - span - pad, end: last + pad };
  }

  function drawChart(chart, container, windowMs) {
    var def = chart.def;
    var card = html('div', { 'class': 'chart', 'data-chart': def.id }, null, container);
    if (def.name) { card.setAttribute('title', def.name); }
    var head = html('h3', {}, def.title, card);
    html('span', { 'class': 'unit' }, (def.unit === 'count' ? '' : def.unit) + (def.per ? ' ' + def.per : ''), head);

    var r = range(windowMs), start = r.start, end = r.end;
    var visible = state.reports.filter(function (rep) { var t = Date.parse(rep.measuredAt); return t >= start && t <= end; });
    var lines = chart.series.map(function (s, i) {
      var points = [];
      visible.forEach(function (rep) {
        var v = valueOf(rep, s.name);
        if (v !== undefined) { points.push([Date.parse(rep.measuredAt), v * s.scale]); }
      });
      return { s: s, style: styleOf(i, chart.series.length), points: points };
    });

    var max = 0, min = 0;
    lines.forEach(function (l) { l.points.forEach(function (p) { if (p[1] > max) { max = p[1]; } if (p[1] < min) { min = p[1]; } }); });
    if (max === min) { max = min + 1; }
    var step = def.unit === 'bytes' ? niceBinaryStep(max - min, 4) : niceStep(max - min, 4);
    var top = Math.ceil(max / step) * step, bottom = Math.floor(min / step) * step;

    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': def.title }, card);
    var x = function (t) { return M.left + (t - start) / (end - start) * (W - M.left - M.right); };
    var y = function (v) { return H - M.bottom - (v - bottom) / (top - bottom) * (H - M.top - M.bottom); };

    for (var v = bottom; v <= top + step / 1000; v += step) {
      el('line', { 'class': 'grid', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }, svg);
      el('text', { x: M.left - 6, y: y(v) + 3, 'text-anchor': 'end' }, svg).textContent = format(v, def.unit);
    }
    var tickSteps = [1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3];
    var tick = tickSteps.filter(function (s) { return (end - start) / s <= 7; })[0] || 3600e3;
    for (var t = Math.ceil(start / tick) * tick; t <= end; t += tick) {
      el('line', { 'class': 'grid', x1: x(t), x2: x(t), y1: M.top, y2: H - M.bottom }, svg);
      el('text', { x: x(t), y: H - 8, 'text-anchor': 'middle' }, svg).textContent = clock(t);
    }
    el('line', { 'class': 'axis', x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }, svg);
    el('line', { 'class': 'axis', x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }, svg);

    lines.forEach(function (l) {
      if (!l.points.length) { return; }
      var attr = l.points.map(function (p) { return x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1); }).join(' ');
      var line = el('polyline', { points: attr, stroke: l.style.color, 'stroke-width': l.style.width, 'data-metric': l.s.name, 'data-points': l.points.length }, svg);
      if (l.style.dash) { line.setAttribute('stroke-dasharray', l.style.dash); }
      // Markers on every point while they stay apart; on the last point only once the line is dense.
      var marked = l.points.length <= 40 ? l.points : [l.points[l.points.length - 1]];
      marked.forEach(function (p) { marker(svg, l.style.marker, x(p[0]), y(p[1]), l.style.color, l.s.name); });
    });

    legendOf(card, lines, def);
  }

  function legendOf(card, lines, def) {
    var legend = html('div', { 'class': 'legend' }, null, card);
    lines.forEach(function (l) {
      var item = html('span', { title: l.s.name, 'data-metric': l.s.name }, null, legend);
      var swatch = el('svg', { width: 26, height: 10, viewBox: '0 0 26 10', 'class': 'swatch' }, item);
      var sample = el('line', { x1: 1, x2: 25, y1: 5, y2: 5, stroke: l.style.color, 'stroke-width': Math.min(l.style.width, 3) }, swatch);
      if (l.style.dash) { sample.setAttribute('stroke-dasharray', l.style.dash); }
      marker(swatch, l.style.marker, 13, 5, l.style.color, l.s.name).setAttribute('class', 'swatch-marker');
      var last = l.points.length ? l.points[l.points.length - 1][1] : undefined;
      html('span', {}, l.s.label + (last !== undefined ? ': ' + format(last, def.unit) : ''), item);
    });
  }

  function render() {
    var windowMs = parseInt($('window').value, 10) * 1000;
    var container = $('charts');
    container.textContent = '';
    var names = allNames();
    if (!state.reports.length) {
      html('p', { 'class': 'waiting' }, state.dyno ? 'No reports in the time kept.' : 'Waiting for the first report\u2026 Reports are charted as they arrive.', container);
    }
    layout(names).forEach(function (chart) { drawChart(chart, container, windowMs); });
    $('not-posted').textContent = state.reports.length ? notPosted(names) : '';
    state.renders++;
    document.body.setAttribute('data-reports', state.reports.length);
    document.body.setAttribute('data-renders', state.renders);
    var last = state.reports.reduce(function (a, r) { return !a || r.sequence > a.sequence ? r : a; }, null);
    $('status').textContent = state.dyno
      ? state.reports.length + ' reports from ' + state.dyno + (last ? ', last at ' + clock(Date.parse(last.receivedAt)) : '')
      : 'waiting for reports\u2026';
  }

  function renderSide(data) {
    var select = $('dyno');
    var wanted = state.dyno;
    select.textContent = '';
    data.dynos.forEach(function (d) {
      var option = html('option', { value: d.dyno }, d.dyno + ' (' + d.reports + ')', select);
      if (d.dyno === wanted) { option.selected = true; }
    });

    var body = $('requests').tBodies[0];
    body.textContent = '';
    data.requests.slice(0, 15).forEach(function (r) {
      var row = html('tr', {}, null, body);
      html('td', {}, clock(Date.parse(r.at)), row);
      html('td', { 'class': 's' + String(r.status).charAt(0) }, r.method === 'POST' ? r.status : r.method + ' ' + r.status, row);
      html('td', {}, r.detail, row);
    });

    var f = data.faults;
    $('faults-now').textContent = f.status
      ? 'In force: ' + f.status + ' for ' + f.failPercent + '% of reports' + (f.retryAfterSeconds !== null ? ', Retry-After ' + f.retryAfterSeconds + ' s' : '') + (f.delayMs ? ', delay ' + f.delayMs + ' ms' : '')
      : (f.delayMs ? 'In force: delay ' + f.delayMs + ' ms' : 'No fault injected.');
    if (!state.faultsShown) { showFaults(f); state.faultsShown = true; }
  }

  function showFaults(f) {
    var form = $('faults');
    form.status.value = f.status ? String(f.status) : '';
    form.failPercent.value = f.failPercent;
    form.retryAfterSeconds.value = f.retryAfterSeconds === null ? '' : f.retryAfterSeconds;
    form.delayMs.value = f.delayMs;
  }

  function poll() {
    var url = 'api/data?since=' + state.lastSequence + (state.dyno ? '&dyno=' + encodeURIComponent(state.dyno) : '');
    return fetch(url, { cache: 'no-store' }).then(function (response) { return response.json(); }).then(function (data) {
      if (data.dyno !== state.dyno) { state.dyno = data.dyno; state.reports = []; }
      state.now = Date.parse(data.now);
      data.reports.forEach(function (r) { state.reports.push(r); state.lastSequence = Math.max(state.lastSequence, r.sequence); });
      // In Measurements-Time order, as the sink keeps them: reports backfilled after an outage arrive late.
      state.reports.sort(function (a, b) { return (Date.parse(a.measuredAt) - Date.parse(b.measuredAt)) || (a.sequence - b.sequence); });
      var oldest = state.now - 3600e3;
      state.reports = state.reports.filter(function (r) { return Date.parse(r.measuredAt) >= oldest; });
      renderSide(data);
      render();
    }).catch(function (error) { $('status').textContent = 'sink unreachable: ' + error; });
  }

  $('dyno').addEventListener('change', function (e) { state.dyno = e.target.value; state.reports = []; state.lastSequence = 0; poll(); });
  $('window').addEventListener('change', render);
  $('faults').addEventListener('submit', function (e) {
    e.preventDefault();
    var form = e.target;
    var body = {
      status: form.status.value ? parseInt(form.status.value, 10) : null,
      failPercent: form.failPercent.value === '' ? 100 : parseFloat(form.failPercent.value),
      retryAfterSeconds: form.retryAfterSeconds.value === '' ? null : parseInt(form.retryAfterSeconds.value, 10),
      delayMs: form.delayMs.value === '' ? 0 : parseInt(form.delayMs.value, 10)
    };
    fetch('api/faults', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); }).then(function (f) { if (typeof f === 'object') { showFaults(f); } poll(); });
  });
  $('clear-faults').addEventListener('click', function () {
    fetch('api/faults', { method: 'DELETE' }).then(function (r) { return r.json(); }).then(function (f) { showFaults(f); poll(); });
  });

  poll();
  setInterval(poll, POLL_MS);
})();
