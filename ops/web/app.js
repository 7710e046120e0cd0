// The dashboard's behaviour (ops/web/README.md). Reads ledgerd's API with the
// session cookie: /session, /v1/places, /v1/stats (within a place, as of a
// date), /v1/stats/series, /v1/attention. The view (scope, id, date) lives in
// the URL: ?scope=department&id=031&as_of=2022-09-05 — shareable, reloadable,
// and the browser's back button walks it back.
// Hooks for automated checks (stable): rows carry data-scope and
// data-scope-id; figure cells data-profile, data-level, data-accounts,
// data-notified, data-activated; the table carries data-view once a view is
// drawn ("scope|id|as_of"). No account is ever shown by name.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const fmtInt = new Intl.NumberFormat('fr-FR');
  const fmtRate = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const fmtDay = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

  const LEVELS = { all: 'tous niveaux', ecole: 'en école', college: 'en collège', lycee: 'en lycée', other: 'autres' };
  const LEVEL_ORDER = ['all', 'ecole', 'college', 'lycee', 'other'];
  const PROFILES = { pupil: 'Élèves', guardian: 'Responsables' };
  const SCOPE_WORD = { national: 'France', academy: 'Académie', department: 'Département', establishment: 'Établissement', class: 'Classe' };
  const CHILD = { national: 'academy', academy: 'department', department: 'establishment', establishment: 'class' };
  const CASES = {
    letter_expired: ['Courrier expiré sans activation', 'Éditer un nouveau courrier de notification'],
    not_activated: ['Notifié depuis plus de {w} semaines, toujours pas activé', 'Relancer la famille'],
    no_mobile: ['Responsable sans téléphone portable : auto-inscription impossible', 'Saisir le portable dans SIECLE, puis réimporter'],
    disputed_link: ['Rattachement contesté par le responsable', "Transmettre à l'assistance académique"],
    link_left_behind: ["Rattachement resté sur l'ancien établissement après un changement d'établissement", "Réimporter l'export de l'établissement d'accueil"],
    reset_pending: ['Mot de passe réinitialisé, pas encore changé', "Vérifier que l'usager a choisi son mot de passe"],
  };
  const STATES = { created: 'créé', notified: 'notifié', activated: 'activé', closed: 'fermé' };

  let who = null;       // GET /session
  let places = null;    // GET /v1/places (académies, départements, année, chiffres publiés)
  const schools = {};   // department → [{uai, name, …}]
  let charts = { bars: null, line: null };
  let drawing = 0;      // the latest view asked for; older answers are dropped

  // ---------- formatting ----------
  const pct = (activated, accounts) => (accounts > 0 ? fmtRate.format((100 * activated) / accounts) + '\u00a0%' : '—');
  const day = (iso) => fmtDay.format(new Date(iso.slice(0, 10) + 'T00:00:00Z'));
  const grade = (rate) => (rate >= 60 ? ['bon', 'bon'] : rate >= 40 ? ['moyen', 'moyen'] : ['faible', 'faible']);
  const todayIso = () => new Date().toISOString().slice(0, 10);
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-') || k === 'scope' || k === 'colspan' || k === 'rowspan' || k === 'type' || k.startsWith('aria-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  };

  // ---------- the API ----------
  class HttpError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  async function api(path) {
    const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!r.ok) {
      let message = r.statusText;
      try { message = (await r.json()).error.message; } catch (_) { /* not JSON */ }
      throw new HttpError(r.status, message);
    }
    return r.json();
  }
  const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();

  // ---------- the view in the URL ----------
  function readState() {
    const p = new URLSearchParams(location.search);
    return { scope: p.get('scope') || '', id: p.get('id') || '', as_of: p.get('as_of') || '' };
  }
  function writeState(s, push) {
    const url = '/?' + q({ scope: s.scope, id: s.id, as_of: s.as_of });
    if (push) history.pushState(s, '', url); else history.replaceState(s, '', url);
  }
  // The widest view the token may read.
  function homeState() {
    const [kind, id] = (who.scope || 'national').split(':');
    if (kind === 'national') {
      const acad = places.academies;
      return acad.length === 1 ? { scope: 'academy', id: acad[0].id } : { scope: 'national', id: 'FR' };
    }
    return { scope: kind, id };
  }

  // ---------- names ----------
  const academyName = (id) => (places.academies.find((a) => a.id === id) || {}).name || id;
  const department = (id) => places.departments.find((d) => d.id === id) || { id, name: id };
  async function schoolsOf(dept) {
    if (!schools[dept]) schools[dept] = (await api('/v1/places?' + q({ department: dept }))).establishments || [];
    return schools[dept];
  }
  async function rowName(scope, id) {
    if (scope === 'national') return 'France';
    if (scope === 'academy') return 'Académie de ' + academyName(id);
    if (scope === 'department') return department(id).name;
    if (scope === 'establishment') {
      const s = (await schoolsOf(id.slice(0, 3))).find((e) => e.uai === id);
      return s ? s.name : id;
    }
    return 'Classe ' + id.slice(id.indexOf('/') + 1);
  }

  // ---------- tables ----------
  // Cells of a stats JSON answer as rows: id → {profile|level → counts}.
  function pivot(cells) {
    const rows = new Map();
    for (const c of cells) {
      if (!rows.has(c.scope_id)) rows.set(c.scope_id, {});
      rows.get(c.scope_id)[c.profile + '|' + c.level] = c;
    }
    return rows;
  }
  // The columns the rows have figures for (classes have no guardians' figures).
  function columnsOf(rows) {
    const cols = [];
    for (const profile of ['pupil', 'guardian']) {
      const levels = LEVEL_ORDER.filter((level) => [...rows.values()].some((r) => r[profile + '|' + level]));
      if (levels.length && !levels.includes('all')) levels.unshift('all');
      for (const level of levels) cols.push({ profile, level });
    }
    return cols.length ? cols : [{ profile: 'pupil', level: 'all' }, { profile: 'guardian', level: 'all' }];
  }
  function figureCell(cells, col) {
    const c = cells[col.profile + '|' + col.level] || { accounts: 0, notified: 0, activated: 0 };
    const td = el('td', {
      class: c.accounts > 0 ? 'chiffre' : 'chiffre vide',
      'data-profile': col.profile, 'data-level': col.level,
      'data-accounts': c.accounts, 'data-notified': c.notified, 'data-activated': c.activated,
    });
    if (c.accounts === 0) {
      td.append('—');
      return td;
    }
    const rate = (100 * c.activated) / c.accounts;
    const [cls, word] = grade(rate);
    td.append(el('span', { class: 'taux' }, pct(c.activated, c.accounts)), ' ',
      el('span', { class: 'pastille ' + cls }, word),
      el('span', { class: 'detail' }, `${fmtInt.format(c.activated)} / ${fmtInt.format(c.accounts)} activés`),
      el('span', { class: 'detail' }, `${fmtInt.format(c.notified)} en attente`));
    return td;
  }
  function header(cols, firstLabel) {
    const tr1 = el('tr', {}, el('th', { scope: 'col', rowspan: 2 }, firstLabel));
    const tr2 = el('tr');
    for (const profile of ['pupil', 'guardian']) {
      const mine = cols.filter((c) => c.profile === profile);
      tr1.append(el('th', { scope: 'colgroup', colspan: mine.length }, PROFILES[profile]));
      for (const c of mine) tr2.append(el('th', { scope: 'col' }, c.level === 'all' ? 'tous' : LEVELS[c.level]));
    }
    return [tr1, tr2];
  }
  function rowHeader(scope, id, name, drill) {
    const th = el('th', { scope: 'row' });
    if (drill) {
      const b = el('button', { type: 'button', class: 'lien' }, name);
      b.addEventListener('click', () => go({ scope, id, as_of: state.as_of }, true));
      th.append(b);
    } else {
      th.append(name);
    }
    if (scope === 'establishment' || scope === 'department') th.append(el('span', { class: 'uai' }, id));
    return th;
  }

  // ---------- charts ----------
  const BLUE = '#000091', ORANGE = '#b34000', PUB = '#161616';
  function rateOf(cells, profile) {
    const c = cells[profile + '|all'];
    return c && c.accounts > 0 ? Math.round((1000 * c.activated) / c.accounts) / 10 : null;
  }
  function drawBars(labels, rows, published) {
    if (charts.bars) charts.bars.destroy();
    const datasets = [
      { label: 'Élèves', data: rows.map((r) => rateOf(r, 'pupil')), backgroundColor: BLUE, order: 2 },
      { label: 'Responsables', data: rows.map((r) => rateOf(r, 'guardian')), backgroundColor: ORANGE, order: 2 },
    ];
    if (published.some((p) => p && (p.pupils !== undefined || p.guardians !== undefined))) {
      const when = places.published_dates ? ' (' + day(places.published_dates.second) + ')' : '';
      datasets.push({ type: 'line', label: 'Élèves — chiffre publié' + when, data: published.map((p) => (p && p.pupils !== undefined ? p.pupils : null)),
        showLine: false, pointStyle: 'rectRot', pointRadius: 7, borderColor: PUB, backgroundColor: '#ffffff', order: 1 });
      datasets.push({ type: 'line', label: 'Responsables — chiffre publié' + when, data: published.map((p) => (p && p.guardians !== undefined ? p.guardians : null)),
        showLine: false, pointStyle: 'triangle', pointRadius: 7, borderColor: PUB, backgroundColor: '#ffffff', order: 1 });
    }
    charts.bars = new Chart($('graphique-barres'), {
      type: 'bar',
      data: { labels, datasets },
      options: {
        maintainAspectRatio: false, animation: false,
        scales: { y: { min: 0, max: 100, title: { display: true, text: '% de comptes activés' } } },
        plugins: {
          legend: { labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex } },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label} : ${c.raw === null ? '—' : fmtRate.format(c.raw) + '\u00a0%'}` } },
        },
      },
    });
  }
  const dayNumber = (iso) => Date.parse(iso.slice(0, 10) + 'T00:00:00Z') / 86400000;
  const isoOfDay = (n) => new Date(n * 86400000).toISOString().slice(0, 10);
  function drawLine(series, published) {
    if (charts.line) charts.line.destroy();
    const line = (profile) => series.points.map((p) => {
      const c = p.rows.find((r) => r.profile === profile && r.level === 'all');
      return { x: dayNumber(p.date), y: c && c.accounts > 0 ? Math.round((1000 * c.activated) / c.accounts) / 10 : null };
    });
    const datasets = [
      { label: 'Élèves', data: line('pupil'), borderColor: BLUE, backgroundColor: BLUE, pointRadius: 2, tension: 0.2 },
      { label: 'Responsables', data: line('guardian'), borderColor: ORANGE, backgroundColor: ORANGE, pointRadius: 2, tension: 0.2 },
    ];
    const d = places.published_dates;
    if (published && d) {
      const pupils = [];
      if (published.pupils_first_date !== undefined) pupils.push({ x: dayNumber(d.first), y: published.pupils_first_date });
      if (published.pupils !== undefined) pupils.push({ x: dayNumber(d.second), y: published.pupils });
      const guardians = published.guardians !== undefined ? [{ x: dayNumber(d.second), y: published.guardians }] : [];
      if (pupils.length) datasets.push({ label: 'Élèves — chiffres publiés', data: pupils, showLine: false, pointStyle: 'rectRot', pointRadius: 8, borderColor: PUB, backgroundColor: '#ffffff' });
      if (guardians.length) datasets.push({ label: 'Responsables — chiffre publié', data: guardians, showLine: false, pointStyle: 'triangle', pointRadius: 8, borderColor: PUB, backgroundColor: '#ffffff' });
    }
    charts.line = new Chart($('graphique-courbe'), {
      type: 'line',
      data: { datasets },
      options: {
        maintainAspectRatio: false, animation: false, spanGaps: true,
        scales: {
          x: { type: 'linear', ticks: { callback: (v) => day(isoOfDay(v)), maxTicksLimit: 8 } },
          y: { min: 0, max: 100, title: { display: true, text: '% de comptes activés' } },
        },
        plugins: { tooltip: { callbacks: {
          title: (items) => (items.length ? day(isoOfDay(items[0].parsed.x)) : ''),
          label: (c) => `${c.dataset.label} : ${c.parsed.y === null ? '—' : fmtRate.format(c.parsed.y) + '\u00a0%'}`,
        } } },
      },
    });
  }
  function seriesRange(asOf) {
    const y = places.school_year;
    const end = asOf || todayIso();
    if (y && end >= y.from) return { from: y.from, to: end < y.to || asOf ? end : y.to };
    // No profile: the school year holding the end date, from 1 September.
    const year = Number(end.slice(0, 4)) - (end.slice(5) < '09-01' ? 1 : 0);
    return { from: `${year}-09-01`, to: end };
  }

  // ---------- attention ----------
  async function drawAttention(uai, token) {
    const box = $('surveiller');
    const a = await api('/v1/attention?' + q({ uai }));
    if (token !== drawing) return;
    box.hidden = false;
    $('aide-surveiller').textContent = `Situation des comptes ouverts de l'établissement au ${day(a.at)} (${fmtInt.format(a.accounts_examined)} comptes examinés ; la date choisie plus haut ne s'applique pas à cette liste).`;
    const body = $('surveiller-corps');
    body.replaceChildren();
    for (const [code, [label, action]] of Object.entries(CASES)) {
      const n = (profile) => (a.counts.find((c) => c.case === code && c.profile === profile) || { count: 0 }).count;
      body.append(el('tr', { 'data-case': code },
        el('th', { scope: 'row' }, label.replace('{w}', a.weeks)),
        el('td', { class: 'chiffre' }, fmtInt.format(n('pupil'))),
        el('td', { class: 'chiffre' }, fmtInt.format(n('guardian'))),
        el('td', {}, action)));
    }
    const list = $('surveiller-liste');
    list.replaceChildren();
    $('surveiller-comptes').hidden = !a.accounts;
    for (const item of a.accounts || []) {
      list.append(el('tr', {},
        el('td', {}, el('code', {}, item.account)),
        el('td', {}, item.profile === 'pupil' ? 'élève' : 'responsable'),
        el('td', {}, STATES[item.state] || item.state),
        el('td', {}, CASES[item.case][0].replace('{w}', a.weeks)),
        el('td', {}, day(item.since)),
        el('td', {}, item.pupil ? el('code', {}, item.pupil) : '—')));
    }
  }

  // ---------- one view ----------
  let state = {};
  function breadcrumb(trail) {
    const ol = $('fil');
    ol.replaceChildren();
    trail.forEach((t, i) => {
      const last = i === trail.length - 1;
      const li = el('li');
      if (last) {
        li.append(el('span', { 'aria-current': 'page' }, t.name));
      } else {
        const b = el('button', { type: 'button', class: 'lien' }, t.name);
        b.addEventListener('click', () => go({ scope: t.scope, id: t.id, as_of: state.as_of }, true));
        li.append(b);
      }
      ol.append(li);
    });
  }
  async function trailOf(s) {
    const home = homeState();
    const order = ['national', 'academy', 'department', 'establishment'];
    const trail = [];
    for (const scope of order.slice(order.indexOf(home.scope), order.indexOf(s.scope) + 1)) {
      let id = scope === s.scope ? s.id : scope === home.scope ? home.id : '';
      if (scope === 'department' && !id) id = s.id.slice(0, 3);
      if (scope === 'academy' && !id) id = (department(s.id.slice(0, 3)).academy || '');
      if (!id) continue;
      trail.push({ scope, id, name: await rowName(scope, id) });
    }
    return trail;
  }

  async function draw(s) {
    const token = ++drawing;
    state = s;
    $('as_of').value = s.as_of;
    $('erreur').hidden = true;
    $('etat').textContent = 'Chargement…';
    $('table').setAttribute('aria-busy', 'true');
    const child = CHILD[s.scope];
    const within = s.scope === 'national' ? '' : `${s.scope}:${s.id}`;
    const [cells, totals] = await Promise.all([
      api('/v1/stats?' + q({ by: child, within, as_of: s.as_of })),
      api('/v1/stats?' + q({ by: s.scope, within: s.scope === 'national' ? '' : within, as_of: s.as_of })),
      s.scope === 'department' || s.scope === 'establishment' ? schoolsOf(s.id.slice(0, 3)) : null,
    ]);
    if (token !== drawing) return;
    const rows = pivot(cells);
    const total = pivot(totals).get(s.id) || {};
    const cols = columnsOf(rows.size ? rows : new Map([['', total]]));
    const ids = [...rows.keys()].sort();
    const names = await Promise.all(ids.map((id) => rowName(child, id)));
    const title = await rowName(s.scope, s.id);
    const when = s.as_of ? `au ${day(s.as_of)}` : "aujourd'hui";
    $('titre-table').textContent = `${title} — comptes activés ${when}`;
    $('legende-table').textContent = `${SCOPE_WORD[child]}s de ${title}, ${when} : taux, comptes activés / ouverts, comptes notifiés en attente d'activation.`;
    $('table-tete').replaceChildren(...header(cols, SCOPE_WORD[child]));
    const body = $('table-corps');
    body.replaceChildren();
    ids.forEach((id, i) => {
      const tr = el('tr', { 'data-scope': child, 'data-scope-id': id }, rowHeader(child, id, names[i], child !== 'class'));
      for (const c of cols) tr.append(figureCell(rows.get(id), c));
      body.append(tr);
    });
    if (!ids.length) body.append(el('tr', {}, el('td', { colspan: cols.length + 1, class: 'vide' }, 'Aucun compte à cette date.')));
    const foot = el('tr', { 'data-scope': s.scope, 'data-scope-id': s.id }, el('th', { scope: 'row' }, title));
    for (const c of cols) foot.append(figureCell(total, c));
    $('table-pied').replaceChildren(foot);
    breadcrumb(await trailOf(s));
    $('table').setAttribute('aria-busy', 'false');
    $('table').dataset.view = `${s.scope}|${s.id}|${s.as_of}`;
    $('etat').textContent = `${ids.length} ${ids.length > 1 ? 'lignes' : 'ligne'}, ${when}.`;
    document.title = `${title} — activation des comptes`;

    // Charts and attention after the table: the table is what people wait for.
    const published = (scope, id) => {
      const list = scope === 'academy' ? places.academies : scope === 'department' ? places.departments : [];
      return (list.find((x) => x.id === id) || {}).published;
    };
    drawBars(names, ids.map((id) => rows.get(id)), ids.map((id) => published(child, id)));
    const range = seriesRange(s.as_of);
    const [series] = await Promise.all([
      api('/v1/stats/series?' + q({ by: s.scope, id: s.id, from: range.from, to: range.to, every: 'week' })),
      s.scope === 'establishment' ? drawAttention(s.id, token) : ($('surveiller').hidden = true),
    ]);
    if (token !== drawing) return;
    drawLine(series, published(s.scope, s.id));
    $('source-publiee').textContent = places.published_source && places.published_dates
      ? `Chiffres publiés par l'académie au ${day(places.published_dates.first)} et au ${day(places.published_dates.second)}.` : '';
    $('graphique-courbe').dataset.drawn = $('table').dataset.view;
  }

  async function go(s, push) {
    if (!s.scope || !CHILD[s.scope] || !s.id) s = { ...homeState(), as_of: s.as_of || '' };
    writeState(s, push);
    try {
      await draw(s);
    } catch (e) {
      failed(e);
    }
  }

  function failed(e) {
    $('table').setAttribute('aria-busy', 'false');
    $('etat').textContent = '';
    if (e.status === 401) return showLogin('Votre session a pris fin : reconnectez-vous.');
    const box = $('erreur');
    box.hidden = false;
    box.textContent = e.status === 403 ? `Accès refusé : ${e.message}`
      : e.status ? `Le serveur a répondu ${e.status} : ${e.message}` : `Le serveur est injoignable (${e.message}). Réessayez dans un instant.`;
  }

  // ---------- session ----------
  function showLogin(message) {
    $('tableau-de-bord').hidden = true;
    $('session').hidden = true;
    $('connexion').hidden = false;
    const err = $('erreur-connexion');
    err.hidden = !message;
    err.textContent = message || '';
    $('jeton').focus();
  }
  async function start() {
    try {
      who = await api('/session');
    } catch (e) {
      return failed(e);
    }
    if (!who.authenticated) return showLogin('');
    $('connexion').hidden = true;
    $('tableau-de-bord').hidden = false;
    $('session').hidden = false;
    $('qui').textContent = `${who.name} — rôle ${who.role}, périmètre ${who.scope === 'national' ? 'national' : who.scope}`;
    $('as_of').max = todayIso();
    try {
      places = await api('/v1/places');
    } catch (e) {
      return failed(e);
    }
    await go(readState(), false);
  }

  $('form-connexion').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = $('jeton').value.trim();
    const r = await fetch('/session', { method: 'POST', credentials: 'same-origin', body: new URLSearchParams({ token }) })
      .catch((e) => ({ ok: false, status: 0, statusText: e.message }));
    if (!r.ok) {
      showLogin(r.status === 401 ? "Jeton inconnu ou révoqué : vérifiez-le auprès de l'administrateur du service."
        : `Connexion impossible (${r.status || 'serveur injoignable'}).`);
      return;
    }
    $('jeton').value = '';
    await start();
  });
  $('deconnexion').addEventListener('click', async () => {
    await fetch('/session/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
    showLogin('Vous êtes déconnecté.');
  });
  $('as_of').addEventListener('change', () => {
    const v = $('as_of').value;
    if (v === state.as_of) return;
    go({ ...state, as_of: v }, true);
  });
  $('aujourdhui').addEventListener('click', () => go({ ...state, as_of: '' }, true));
  $('form-date').addEventListener('submit', (ev) => ev.preventDefault());
  window.addEventListener('popstate', () => { if (who && places) go(readState(), false); });

  start();
})();
