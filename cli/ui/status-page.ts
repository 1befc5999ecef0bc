// The status page itself: one HTML document with its style and script inline, so it ships
// inside the compiled CLI with no build step of its own. The script is plain browser
// JavaScript (no framework: the page is a few tables and bars), builds every element with
// textContent (entity ids may hold any character), follows the server's event stream and
// draws the deletion graph with the mermaid bundle the server takes from node_modules.

const STYLE = `
:root { --fg: #1d2330; --muted: #5f6b7a; --line: #d9dee6; --bg: #f6f7f9; --ok: #1f8a4c;
  --warn: #b36b00; --bad: #b3261e; --bar: #3465c9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1rem; align-items: baseline; padding: .8rem 1.2rem;
  background: #1d2330; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; }
header .where { color: #c5cbd6; font-size: .85rem; flex: 1; }
#live { font-size: .8rem; }
main { display: grid; grid-template-columns: minmax(360px, 2fr) 3fr; gap: 1rem; padding: 1rem 1.2rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; min-width: 0; }
section h2 { font-size: 1rem; margin: 0 0 .6rem; }
.wide { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: .8rem; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.job { cursor: pointer; }
tr.job:hover, tr.job.selected { background: #eef3fc; }
.bar { position: relative; height: .8rem; min-width: 90px; background: #e6e9ef; border-radius: 3px; overflow: hidden; }
.bar > .fill { position: absolute; inset: 0 auto 0 0; background: var(--bar); }
.bar > .fill.failed { background: var(--bad); }
.status-completed, .state-running { color: var(--ok); font-weight: 600; }
.status-partial, .status-waiting, .status-held, .state-paused { color: var(--warn); font-weight: 600; }
.status-blocked, .status-failed { color: var(--bad); font-weight: 600; }
.problem { background: #fdecea; border: 1px solid #f3b8b2; color: #7a1a14; padding: .6rem .8rem;
  border-radius: 6px; margin: 0 0 .6rem; }
.hidden { display: none; }
.muted { color: var(--muted); }
code, .cmd { font-family: ui-monospace, monospace; font-size: .85em; }
.cmd { display: block; background: #f1f3f6; padding: .2rem .45rem; border-radius: 4px; margin: .15rem 0; white-space: pre-wrap; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
form.filters { display: flex; flex-wrap: wrap; gap: .4rem; margin-bottom: .5rem; }
form.filters input, form.filters select { font: inherit; padding: .15rem .3rem; }
.pager { display: flex; gap: .5rem; margin-top: .5rem; }
#graph svg { max-width: 100%; height: auto; }
.indent { display: inline-block; }
`;

const SCRIPT = `
'use strict';
var KINDS = ['rowsDeleted', 'rowsNulled', 'objectsDeleted', 'objectsShared', 'objectsLeftToTtl',
  'objectsFailed', 'blocked', 'failed'];
var KIND_TITLES = { rowsDeleted: 'rows deleted', rowsNulled: 'nulled', objectsDeleted: 'objects deleted',
  objectsShared: 'kept shared', objectsLeftToTtl: 'left to TTL', objectsFailed: 'objects failed',
  blocked: 'blocked', failed: 'failed units' };
var view = { job: undefined, status: '', entity: '', requester: '', cursors: [] };
var events;
var planFor;
var planAnswer;
var currentTree;

function $(id) { return document.getElementById(id); }
function h(tag, attrs) {
  var el = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    if (attrs[k] === undefined || attrs[k] === null) continue;
    if (k === 'text') el.textContent = String(attrs[k]);
    else if (k === 'class') el.className = attrs[k];
    else el.setAttribute(k, String(attrs[k]));
  }
  for (var i = 2; i < arguments.length; i++) {
    var child = arguments[i];
    if (child === undefined || child === null || child === false) continue;
    el.appendChild(typeof child === 'string' || typeof child === 'number'
      ? document.createTextNode(String(child)) : child);
  }
  return el;
}
function fill(el) {
  el.replaceChildren.apply(el, Array.prototype.slice.call(arguments, 1).filter(function (c) { return c; }));
}
function num(n) { return (n || 0).toLocaleString('en-US'); }
function ago(iso) {
  if (!iso) return '';
  var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  return Math.round(s / 3600) + ' h ago';
}
function duration(ms) {
  var s = Math.round(ms / 1000);
  return s < 120 ? s + ' s' : Math.round(s / 60) + ' min';
}
function cmd(text, why) {
  return h('div', null, h('code', { class: 'cmd', text: text }), why ? h('span', { class: 'muted', text: why }) : null);
}
function bar(done, total, failed, label) {
  var ratio = total > 0 ? Math.min(1, done / total) : 0;
  var el = h('div', { class: 'bar', role: 'progressbar', 'aria-label': label || 'progress',
    'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done,
    'data-settled': done, 'data-planned': total, title: done + ' of ' + total + ' units settled' },
    h('div', { class: 'fill' + (failed ? ' failed' : ''), style: 'width:' + (ratio * 100).toFixed(1) + '%' }));
  return el;
}
function jobStatus(job) {
  if (job.status === 'completed') return job.outcome === 'deleted' ? 'completed' : (job.outcome || 'completed');
  if (job.held > 0) return 'held';
  if (job.waiting > 0) return 'waiting';
  return 'running';
}
function problemBox(problem, testid) {
  return h('div', { class: 'problem', role: 'alert', 'data-testid': testid, 'data-code': problem.code,
    text: problem.message });
}

function renderOverview(answer) {
  var el = $('pipeline');
  if (answer.problem) { fill(el, problemBox(answer.problem, 'pipeline-problem')); return; }
  var o = answer.ok;
  var state = o.paused ? 'paused' : 'running';
  var parts = o.parts.length === 0 ? h('p', { class: 'muted', text: 'no switch named for this pipeline (give --worker-function and --sweeper-rule to see it)' })
    : h('table', null, h('thead', null, h('tr', null, h('th', { text: 'part' }), h('th', { text: 'resource' }), h('th', { text: 'state' }))),
      h('tbody', null, o.parts.map(function (p) {
        return h('tr', null, h('td', { text: p.part }), h('td', { text: p.resource }), h('td', { text: p.state + ' (' + p.reported + ')' }));
      }).reduce(function (f, r) { f.appendChild(r); return f; }, document.createDocumentFragment())));
  var dlq = o.deadLetters;
  var sw = o.sweeper;
  var last = sw.lastSweep;
  var dl = h('dl', null,
    h('dt', { text: 'state' }), h('dd', null, h('span', { class: 'state-' + state, 'data-testid': 'pipeline-state', text: state }),
      o.paused && o.reason ? ' — ' + o.reason : '', o.updatedAt ? h('span', { class: 'muted', text: ' (since ' + o.updatedAt + ')' }) : null),
    h('dt', { text: 'dead letters' }), h('dd', { 'data-testid': 'dlq-depth', text: dlq ? num(dlq.visible) + ' waiting' + (dlq.inFlight ? ', ' + num(dlq.inFlight) + ' in flight' : '') : 'unknown (give --dlq-url)' }),
    h('dt', { text: 'sweeper lag' }), h('dd', { 'data-testid': 'sweeper-lag', text: num(sw.lag) + ' tombstone(s) no sweep has checked yet (the next sweep moves past those whose cascade was sent)' }),
    h('dt', { text: 'oldest pending' }), h('dd', { text: sw.oldestPendingTombstoneAt ? sw.oldestPendingTombstoneAgeSeconds + ' s (' + sw.oldestPendingTombstoneAt + ')' : 'none' }),
    h('dt', { text: 'last sweep' }), h('dd', { 'data-testid': 'last-sweep', text: last ? ago(last.at) + ' (' + last.at + ')' + (last.paused ? ', found the pipeline paused' : ', lag ' + last.lag + ', read ' + num(last.itemsRead) + ' items') + (last.more ? ', more to do' : '') : 'no sweep recorded yet' }));
  var actions = h('div', null, h('h3', { class: 'muted', text: 'actions (CLI, with the same target flags)' }),
    o.paused ? cmd('lethe resume --wait', 'starts the worker and the sweeper again') : cmd('lethe pause --reason "…" --wait', 'stops the worker and the sweeper; work waits in the queue'),
    dlq && dlq.visible > 0 ? cmd('lethe dlq list', 'shows the dead letters') : null,
    dlq && dlq.visible > 0 ? cmd('lethe dlq redrive', 'sends them back to the work queue') : null,
    sw.lag > 0 ? cmd('lethe sweep', 'runs the sweeper once now') : null);
  fill(el, dl, parts, actions);
}

function renderJobs(answer) {
  var body = $('jobs-body');
  var problem = $('jobs-problem');
  if (answer.problem) { fill(problem, problemBox(answer.problem, 'jobs-problem-text')); return; }
  fill(problem);
  var page = answer.ok;
  if (page.jobs.length === 0) {
    fill(body, h('tr', null, h('td', { colspan: 5, class: 'muted', 'data-testid': 'no-jobs', text: 'no jobs match' })));
  } else {
    fill.apply(null, [body].concat(page.jobs.map(function (j) {
      var status = jobStatus(j);
      var row = h('tr', { class: 'job' + (view.job === j.jobId ? ' selected' : ''), 'data-job-id': j.jobId },
        h('td', null, h('div', { text: j.entity + ' ' + j.id }), h('div', { class: 'muted', text: j.jobId })),
        h('td', { class: 'status-' + status, 'data-testid': 'job-row-status', text: status }),
        h('td', null, bar(j.settled, j.planned, j.failed > 0, 'units of job ' + j.jobId)),
        h('td', { class: 'n', text: j.settled + '/' + j.planned }),
        h('td', { class: 'muted', title: j.createdAt, text: ago(j.createdAt) + (j.requester ? ' by ' + j.requester : '') }));
      row.addEventListener('click', function () { location.hash = 'job=' + encodeURIComponent(j.jobId); });
      return row;
    })));
  }
  $('older').disabled = !page.next;
  $('older').dataset.next = page.next || '';
  $('newer').disabled = view.cursors.length === 0;
}

function countsCells(counts) {
  return KINDS.map(function (k) {
    return h('td', { class: 'n', 'data-kind': k, text: counts && counts[k] ? num(counts[k]) : '' });
  });
}

function renderJob(answer) {
  var el = $('job');
  el.classList.remove('hidden');
  if (answer.problem) { fill(el, h('h2', { text: 'job ' + view.job }), problemBox(answer.problem, 'job-problem')); return; }
  var t = answer.ok;
  var j = t.job;
  var status = jobStatus(j);
  var head = h('div', null,
    h('h2', null, 'job ', h('span', { 'data-testid': 'job-id', text: j.jobId }), ' — ', j.entity + ' ' + j.id),
    h('p', null, h('span', { class: 'status-' + status, 'data-testid': 'job-status', text: status }),
      j.status === 'completed' ? ' at ' + j.completedAt : '',
      ' · units ', h('span', { 'data-testid': 'job-units', text: j.settled + '/' + j.planned }),
      j.failed ? ' · ' + j.failed + ' failed' : '', j.waiting ? ' · ' + j.waiting + ' waiting' : '',
      j.followUpOf ? ' · follow-up of ' + j.followUpOf : '', j.followUps ? ' · ' + j.followUps + ' follow-up(s), latest ' + (j.lastFollowUpJobId || '?') : ''),
    bar(j.settled, j.planned, j.failed > 0, 'units of the job'));
  var headRow = h('tr', null, h('th', { text: 'relation' }), h('th', { text: 'units' }), h('th', { class: 'n', text: 'settled' }),
    KINDS.map(function (k) { return h('th', { class: 'n', text: KIND_TITLES[k] }); }).reduce(function (f, c) { f.appendChild(c); return f; }, document.createDocumentFragment()));
  var rows = t.relations.map(function (r) {
    var cells = [h('td', null, h('span', { class: 'indent', style: 'width:' + (r.depth * 1.2) + 'em' }), r.label,
        r.onDelete ? h('span', { class: 'muted', text: ' (' + r.onDelete + ')' }) : null,
        r.units.waiting ? h('span', { class: 'status-waiting', text: ' · ' + r.units.waiting + ' waiting' }) : null),
      h('td', null, bar(r.units.settled, r.units.planned, r.units.failed > 0, 'units of ' + r.label)),
      h('td', { class: 'n', 'data-testid': 'relation-units', text: r.units.settled + '/' + r.units.planned })].concat(countsCells(r.counts));
    return h.apply(null, ['tr', { 'data-label': r.label }].concat(cells));
  });
  var tree = h('table', { 'data-testid': 'job-tree' }, h('thead', null, headRow), h.apply(null, ['tbody', null].concat(rows)));
  var notes = [];
  if (t.truncated) notes.push(h('p', { class: 'muted', text: 'unit figures from the first ' + num(t.unitsRead) + ' units; the counters are exact' }));
  var waiting = t.waiting.length === 0 ? null : h('div', null, h('h3', { text: 'waiting units' }),
    h.apply(null, ['table', { 'data-testid': 'waiting' }, h('thead', null, h('tr', null, h('th', { text: 'unit' }), h('th', { text: 'relation' }), h('th', { text: 'kept by' }), h('th', { text: 'since' }), h('th', { text: 'next check' })))].concat(
      t.waiting.map(function (w) { return h('tr', null, h('td', { class: 'cmd', text: w.unitId }), h('td', { text: w.label }), h('td', { class: w.held ? 'status-held' : 'status-waiting', text: (w.held ? 'hold: ' : 'guard: ') + w.reason }), h('td', { text: ago(w.waitingSince) }), h('td', { text: w.nextCheckAt || '' })); }))));
  var failures = t.failures.length === 0 ? null : h('div', null, h('h3', { text: 'failures' }),
    h.apply(null, ['table', { 'data-testid': 'failures' }, h('thead', null, h('tr', null, h('th', { text: 'unit' }), h('th', { text: 'relation' }), h('th', { text: 'reason' })))].concat(
      t.failures.map(function (f) { return h('tr', null, h('td', { class: 'cmd', text: f.unitId }), h('td', { text: f.label }), h('td', null, f.error, f.failures && f.failures.length ? h('div', { class: 'muted', text: f.failures.length + ' key(s): ' + JSON.stringify(f.failures.slice(0, 3)) }) : null)); }))));
  var timings = h('dl', null,
    h('dt', { text: 'requested' }), h('dd', { text: t.timings.createdAt + ' (' + ago(t.timings.createdAt) + ')' }),
    h('dt', { text: j.status === 'completed' ? 'took' : 'running for' }), h('dd', { 'data-testid': 'elapsed', text: duration(t.timings.elapsedMs) }),
    h('dt', { text: 'last update' }), h('dd', { text: t.timings.updatedAt }),
    h('dt', { text: 'last minute' }), h('dd', { 'data-testid': 'rate', text: t.lastMinute.unitsSettled + ' units settled (' + t.lastMinute.unitsPerSecond + '/s)' }));
  var extras = Object.keys(t.extras).length === 0 ? null : h('div', null, h('h3', { text: 'receipt, verification, deadline, restore' }),
    h.apply(null, ['dl', { 'data-testid': 'extras' }].concat(Object.keys(t.extras).reduce(function (a, k) {
      var v = t.extras[k];
      return a.concat([h('dt', { text: k }), h('dd', { class: 'cmd', text: typeof v === 'string' ? v : JSON.stringify(v, null, 1) })]);
    }, []))));
  var q = j.jobId;
  var actions = h('div', null, h('h3', { text: 'actions (CLI, with the same target flags)' }),
    cmd('lethe status ' + q + ' --json', 'this job as JSON'),
    j.held > 0 ? cmd('lethe hold list', 'the holds that keep units waiting') : null,
    j.held > 0 ? cmd('lethe hold lift --entity <entity> --id <id>', 'lifts a hold; waiting units go at their next check') : null,
    j.failed > 0 ? cmd('lethe dlq list', 'messages that failed for good') : null,
    j.failed > 0 ? cmd('lethe dlq redrive', 'retries them') : null,
    j.status === 'completed' ? cmd('lethe receipt ' + q, 'the signed receipt of what was erased') : null,
    j.status === 'completed' ? cmd('lethe verify ' + q, 're-discovers from the root and reports anything left') : null,
    j.status === 'completed' ? cmd('lethe restore ' + q, 'undoes the job inside the restore window') : cmd('lethe pause', 'stops the whole pipeline'));
  fill(el, head, tree, notes[0], waiting, failures, h('h3', { text: 'plan against actual' }), $('plan-box') || h('div', { id: 'plan-box' }),
    h('h3', { text: 'timings' }), timings, extras, actions);
  // A dry run shows what is still there: run it again when the job moves on to completed.
  currentTree = t;
  if (planFor !== j.jobId + '|' + j.status) loadPlan(j);
  else renderPlan();
}

function loadPlan(job) {
  var key = job.jobId + '|' + job.status;
  planFor = key;
  planAnswer = undefined;
  renderPlan();
  fetch('api/jobs/' + encodeURIComponent(job.jobId) + '/plan').then(function (r) { return r.json(); }).then(function (answer) {
    if (planFor !== key) return;
    planAnswer = { answer: answer, at: new Date().toLocaleTimeString() };
    renderPlan();
  }, function () {
    planAnswer = { answer: { problem: { code: 'server', message: 'the dry run did not answer' } }, at: '' };
    renderPlan();
  });
}

function renderPlan() {
  var box = $('plan-box');
  if (!box || !currentTree) return;
  if (!planAnswer) { fill(box, h('p', { class: 'muted', text: 'running a dry run …' })); return; }
  var answer = planAnswer.answer;
  if (answer.problem) { fill(box, problemBox(answer.problem, 'plan-problem')); return; }
  var plan = answer.ok;
  var job = currentTree.job;
  var head = h('tr', null, h('th', { text: 'relation' }), h('th', { class: 'n', text: 'rows: done' }), h('th', { class: 'n', text: 'still there' }),
    h('th', { class: 'n', text: 'objects: done' }), h('th', { class: 'n', text: 'still there' }), h('th', { class: 'n', text: 'nulled: done' }), h('th', { class: 'n', text: 'still there' }));
  var rows = currentTree.relations.map(function (r) {
    var p = plan.relations[r.label] || {};
    var a = r.counts || {};
    return h('tr', null, h('td', { text: r.label }), h('td', { class: 'n', text: num(a.rowsDeleted) }), h('td', { class: 'n', text: num(p.rowsDeleted) }),
      h('td', { class: 'n', text: num(a.objectsDeleted) }), h('td', { class: 'n', text: num(p.objectsDeleted) }),
      h('td', { class: 'n', text: num(a.rowsNulled) }), h('td', { class: 'n', text: num(p.rowsNulled) }));
  });
  var again = h('button', { type: 'button', text: 'dry run again' });
  again.addEventListener('click', function () { loadPlan(job); });
  fill(box, h('p', { class: 'muted', text: 'done: what this job erased; still there: a dry run (lethe plan ' + job.entity + ' ' + job.id + ') at ' + planAnswer.at + '. Planned = the two together.' }),
    h('table', { 'data-testid': 'plan' }, h('thead', null, head), h.apply(null, ['tbody', null].concat(rows))), again);
}

function connect() {
  if (events) events.close();
  var params = new URLSearchParams();
  if (view.job) params.set('job', view.job);
  if (view.status) params.set('status', view.status);
  if (view.entity) params.set('entity', view.entity);
  if (view.requester) params.set('requester', view.requester);
  var before = view.cursors[view.cursors.length - 1];
  if (before) params.set('before', before);
  events = new EventSource('api/events?' + params.toString());
  events.addEventListener('overview', function (e) { renderOverview(JSON.parse(e.data)); });
  events.addEventListener('jobs', function (e) { renderJobs(JSON.parse(e.data)); });
  events.addEventListener('job', function (e) { renderJob(JSON.parse(e.data)); });
  events.onopen = function () { $('live').textContent = 'live'; $('live').className = 'state-running'; fill($('disconnected')); };
  events.onerror = function () {
    $('live').textContent = 'reconnecting …'; $('live').className = 'state-paused';
    fill($('disconnected'), problemBox({ code: 'server', message: 'lost the connection to lethe ui; it retries on its own (is lethe ui still running?)' }, 'server-problem'));
  };
}

function route() {
  var match = /^#job=(.+)$/.exec(location.hash);
  view.job = match ? decodeURIComponent(match[1]) : undefined;
  planFor = undefined;
  currentTree = undefined;
  if (!view.job) { $('job').classList.add('hidden'); fill($('job')); }
  else fill($('job'), h('h2', { text: 'job ' + view.job }), h('p', { class: 'muted', text: 'loading …' }), h('div', { id: 'plan-box' }));
  connect();
}

document.addEventListener('DOMContentLoaded', function () {
  $('filters').addEventListener('submit', function (e) {
    e.preventDefault();
    view.status = $('f-status').value; view.entity = $('f-entity').value.trim(); view.requester = $('f-requester').value.trim();
    view.cursors = [];
    connect();
  });
  $('older').addEventListener('click', function () { view.cursors.push($('older').dataset.next); connect(); });
  $('newer').addEventListener('click', function () { view.cursors.pop(); connect(); });
  window.addEventListener('hashchange', route);
  fetch('api/source').then(function (r) { return r.json(); }).then(function (s) {
    $('where').textContent = s.description;
    window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    return window.mermaid.render('deletion-graph', s.mermaid).then(function (out) { $('graph').innerHTML = out.svg; });
  }).catch(function (e) { fill($('graph'), h('p', { class: 'muted', text: 'the graph could not be drawn: ' + e })); });
  route();
});
`;

/** The page, complete: style and script inline; mermaid is loaded from `/assets/`. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lethe status</title>
<style>${STYLE}</style>
<script src="assets/mermaid.min.js"></script>
<script>${SCRIPT}</script>
</head>
<body>
<header><h1>lethe status</h1><span class="where" id="where"></span><span id="live" class="muted">connecting …</span></header>
<main>
<div class="wide" id="disconnected"></div>
<section id="pipeline-section"><h2>pipeline</h2><div id="pipeline"><p class="muted">loading …</p></div></section>
<section id="jobs-section"><h2>recent jobs</h2>
<form class="filters" id="filters">
<select id="f-status" aria-label="status"><option value="">any status</option><option>running</option><option>waiting</option><option>completed</option><option>deleted</option><option>partial</option><option>blocked</option></select>
<input id="f-entity" placeholder="entity" aria-label="entity">
<input id="f-requester" placeholder="requester" aria-label="requester">
<button type="submit">filter</button>
</form>
<div id="jobs-problem"></div>
<table><thead><tr><th>job</th><th>status</th><th>units</th><th class="n"></th><th>requested</th></tr></thead><tbody id="jobs-body"></tbody></table>
<div class="pager"><button type="button" id="newer" disabled>newer</button><button type="button" id="older" disabled>older</button></div>
</section>
<section id="job" class="wide hidden"></section>
<section class="wide"><h2>deletion graph</h2><div id="graph"><p class="muted">drawing …</p></div></section>
</main>
</body>
</html>
`;
