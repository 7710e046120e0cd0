// The dashboard in a real browser: Debian's chromium, headless, driven by
// playwright-core (ops/web/package.json), against the real ledgerd on a
// simulated académie. Run by ctest (label `browser`):
//
//   node dashboard_test.mjs --bin build/bin --node-modules build/ops/web/node/node_modules
//        --out build/browser [--scale 0.05] [--timing-only]
//
// Checks, each an assertion with what differed: login with a token; the
// department table's figures in the DOM equal /v1/stats; as of 2022-09-05 they
// equal that date's /v1/stats and the URL keeps the date across a reload;
// drill-down to an establishment (named from the directory) and its classes;
// both charts drawn (pixels on the canvas); a dashboard session shows no
// account, name, login or INE; an assistance session lists accounts by id
// only; a wrong token shows an error, not a table; no JavaScript error.
// Screenshots go to --out. Prints the time from login to the first table with
// data (not asserted); --timing-only does just that (the scale-1.0 run).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf('--' + name);
  return i >= 0 ? args[i + 1] : dflt;
};
const BIN = path.resolve(opt('bin', 'build/bin'));
const MODULES = path.resolve(opt('node-modules', 'build/ops/web/node/node_modules'));
const OUT = path.resolve(opt('out', 'build/browser'));
const SCALE = opt('scale', '0.05');
const TIMING_ONLY = args.includes('--timing-only');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const { chromium } = createRequire(MODULES + '/')('playwright-core');
if (!fs.existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} not found: install Debian's chromium (.ci/setup does)`);
  process.exit(1);
}
fs.mkdirSync(OUT, { recursive: true });

function ledger(data, ...argv) {
  const r = spawnSync(path.join(BIN, 'ledger'), [...argv, '--data', data], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ledger ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

async function startLedgerd(data) {
  const child = spawn(path.join(BIN, 'ledgerd'), ['--data', data, '--listen', '127.0.0.1:0', '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('ledgerd did not print its URL within 60 s: ' + err)), 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`ledgerd exited ${code}: ${err}`)));
  });
  for (let i = 0; i < 600; ++i) {  // ready: projections caught up
    const r = await fetch(url + '/readyz');
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

const apiJson = async (url, token, target) => {
  const r = await fetch(url + target, { headers: { Authorization: 'Bearer ' + token } });
  assert.equal(r.status, 200, `${target}: ${r.status}`);
  return r.json();
};

// The figure cells of the rows of `scope` as "id|profile|level" → "accounts,notified,activated".
async function domFigures(page, selector) {
  return page.$$eval(selector, (rows) => {
    const out = {};
    for (const tr of rows)
      for (const td of tr.querySelectorAll('td[data-profile]'))
        out[`${tr.dataset.scopeId}|${td.dataset.profile}|${td.dataset.level}`] =
          `${td.dataset.accounts},${td.dataset.notified},${td.dataset.activated}`;
    return out;
  });
}
// The API's cells of those rows and columns (cells the page shows as empty are zero).
function apiFigures(cells, dom) {
  const out = {};
  for (const key of Object.keys(dom)) out[key] = '0,0,0';
  for (const c of cells) {
    const key = `${c.scope_id}|${c.profile}|${c.level}`;
    if (key in out) out[key] = `${c.accounts},${c.notified},${c.activated}`;
  }
  return out;
}
function assertTableEqualsApi(dom, cells, what) {
  assert.ok(Object.keys(dom).length > 0, `${what}: no figure in the table`);
  const rowIds = new Set(cells.map((c) => c.scope_id));
  const domIds = new Set(Object.keys(dom).map((k) => k.split('|')[0]));
  assert.deepEqual([...domIds].sort(), [...rowIds].sort(), `${what}: rows`);
  assert.deepEqual(dom, apiFigures(cells, dom), `${what}: figures`);
}

async function canvasDrawn(page, id) {
  return page.$eval('#' + id, (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ++painted;
    const chart = window.Chart && window.Chart.getChart(c);
    return { painted, points: chart ? chart.data.datasets.reduce((n, s) => n + s.data.filter((v) => v !== null).length, 0) : 0 };
  });
}

async function newPage(browser, errors) {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  // A refused login logs its 401 as a failed resource: that is the network, not a script error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push('console error: ' + m.text());
  });
  return page;
}

async function login(page, url, token) {
  await page.goto(url + '/');
  await page.waitForSelector('input[name=token]', { state: 'visible' });
  await page.fill('input[name=token]', token);
  const t0 = performance.now();
  await page.click('button[type=submit]');
  await page.waitForSelector('#table-corps tr[data-scope] td[data-accounts]');
  return performance.now() - t0;
}

// Waits until the view "scope|id|as_of" is drawn, charts included (a prefix, or exact with a trailing $).
const waitView = (page, view) => page.waitForSelector(
  view.endsWith('$') ? `#graphique-courbe[data-drawn="${view.slice(0, -1)}"]` : `#graphique-courbe[data-drawn^="${view}"]`,
  { timeout: 30000 });

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-browser-'));
  const data = path.join(tmp, 'data');
  const t0 = Date.now();
  ledger(data, 'simulate', '--profile', 'toulouse-2022', '--scale', SCALE);
  console.log(`simulated toulouse-2022 at scale ${SCALE} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const token = (name, role, scope = 'national') =>
    ledger(data, 'token', 'add', '--name', name, '--role', role, '--scope', scope).split('\n')[0];
  const dash = token('tableau', 'dashboard');
  const help = token('assistance', 'assistance');
  const server = await startLedgerd(data);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--lang=fr-FR'] });
  const errors = [];
  try {
    const page = await newPage(browser, errors);
    const ms = await login(page, server.url, dash);
    console.log(`time to the first table with data (scale ${SCALE}): ${ms.toFixed(0)} ms`);
    if (TIMING_ONLY) return;

    // 1. The department table and the académie total equal /v1/stats.
    await waitView(page, 'academy|toulouse|');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assertTableEqualsApi(await domFigures(page, '#table-corps tr[data-scope=department]'),
      await apiJson(server.url, dash, '/v1/stats?by=department'), 'departments now');
    assertTableEqualsApi(await domFigures(page, '#table-pied tr[data-scope=academy]'),
      await apiJson(server.url, dash, '/v1/stats?by=academy'), 'académie now');
    const text = await page.innerText('#table');
    assert.match(text, /Haute-Garonne/);
    assert.match(text, /\d+,\d\u00a0%/, 'rates as "54,1 %"');
    for (const col of ['Élèves', 'en collège', 'en lycée', 'Responsables']) assert.ok(text.includes(col), col);
    for (const id of ['graphique-barres', 'graphique-courbe']) {
      const d = await canvasDrawn(page, id);
      assert.ok(d.painted > 1000 && d.points > 0, `${id} not drawn: ${JSON.stringify(d)}`);
    }
    await page.screenshot({ path: path.join(OUT, 'academie.png'), fullPage: true });

    // 2. As of 5 September 2022: that date's figures, kept in the URL across a reload.
    await page.fill('input[name=as_of]', '2022-09-05');
    await page.dispatchEvent('input[name=as_of]', 'change');
    await waitView(page, 'academy|toulouse|2022-09-05');
    assert.match(page.url(), /as_of=2022-09-05/);
    const sept = await apiJson(server.url, dash, '/v1/stats?by=department&as_of=2022-09-05');
    assertTableEqualsApi(await domFigures(page, '#table-corps tr[data-scope=department]'), sept, 'departments 2022-09-05');
    assert.match(await page.innerText('#titre-table'), /5 sept\. 2022/);
    await page.reload();
    await waitView(page, 'academy|toulouse|2022-09-05');
    assertTableEqualsApi(await domFigures(page, '#table-corps tr[data-scope=department]'), sept, 'after a reload');
    assert.equal(await page.inputValue('input[name=as_of]'), '2022-09-05');
    await page.click('#aujourdhui');
    await waitView(page, 'academy|toulouse|$');

    // 3. Drill down: Haute-Garonne → its establishments (named) → one establishment's classes.
    await page.click('tr[data-scope-id="031"] th button');
    await waitView(page, 'department|031|');
    assert.match(page.url(), /scope=department&id=031/);
    assertTableEqualsApi(await domFigures(page, '#table-corps tr[data-scope=establishment]'),
      await apiJson(server.url, dash, '/v1/stats?by=establishment&within=department:031'), 'establishments of 031');
    const places = await apiJson(server.url, dash, '/v1/places?department=031');
    const first = places.establishments[0];
    const row = await page.innerText(`tr[data-scope-id="${first.uai}"] th`);
    assert.ok(row.includes(first.name) && row.includes(first.uai), `establishment row shows UAI and name: ${row}`);
    await page.click(`tr[data-scope-id="${first.uai}"] th button`);
    await waitView(page, `establishment|${first.uai}|`);
    const classes = await apiJson(server.url, dash, `/v1/stats?by=class&within=establishment:${first.uai}`);
    assertTableEqualsApi(await domFigures(page, '#table-corps tr[data-scope=class]'), classes, `classes of ${first.uai}`);
    const aClass = classes[0].scope_id;
    assert.ok(await page.isVisible(`tr[data-scope=class][data-scope-id="${aClass}"]`), aClass);
    for (const id of ['graphique-barres', 'graphique-courbe']) {
      const d = await canvasDrawn(page, id);
      assert.ok(d.painted > 1000 && d.points > 0, `${id} not drawn for ${first.uai}`);
    }
    // Comptes à surveiller: counts only for a dashboard.
    await page.waitForSelector('#surveiller:not([hidden]) #surveiller-corps tr');
    const counts = await apiJson(server.url, dash, `/v1/attention?uai=${first.uai}`);
    const expired = counts.counts.find((c) => c.case === 'letter_expired' && c.profile === 'pupil').count;
    assert.equal(await page.innerText('#surveiller-corps tr[data-case=letter_expired] td >> nth=0'), new Intl.NumberFormat('fr-FR').format(expired));
    assert.equal(await page.$$eval('#surveiller-liste tr', (r) => r.length), 0, 'a dashboard lists no account');
    await page.screenshot({ path: path.join(OUT, 'etablissement.png'), fullPage: true });

    // 4. No account, name, login or INE anywhere on a dashboard's page.
    const people = new Set();
    for (const line of ledger(data, 'export').split('\n')) {
      if (!line.includes('"AccountCreated"')) continue;
      const e = JSON.parse(line);
      people.add(e.stream);
      if (e.data.login) people.add(e.data.login);
      if (e.data.ine) people.add(e.data.ine);
      if (e.data.last_name && e.data.first_name) people.add(`${e.data.first_name} ${e.data.last_name}`);
    }
    for (const view of ['/', '/?scope=department&id=031', `/?scope=establishment&id=${first.uai}`]) {
      await page.goto(server.url + view);
      await page.waitForSelector('#graphique-courbe[data-drawn]');
      const body = await page.innerText('body');
      const html = await page.content();
      for (const p of people) assert.ok(!body.includes(p) && !html.includes(p), `a dashboard page shows ${p} on ${view}`);
    }

    // 5. An assistance session lists the accounts to look after, by id, never by name.
    const helper = await newPage(browser, errors);
    await login(helper, server.url, help);
    await helper.goto(`${server.url}/?scope=establishment&id=${first.uai}`);
    await helper.waitForSelector('#surveiller-liste tr', { state: 'attached' });
    await helper.click('#surveiller-comptes summary');
    const listed = await helper.innerText('#surveiller-liste');
    assert.match(listed, /tls-/, 'account ids listed');
    for (const p of people) if (!p.startsWith('tls-')) assert.ok(!listed.includes(p), `assistance list shows ${p}`);
    await helper.screenshot({ path: path.join(OUT, 'assistance.png'), fullPage: true });

    // 6. A wrong token: an error, no table. A phone-sized screen still reads.
    const stranger = await newPage(browser, errors);
    await stranger.goto(server.url + '/');
    await stranger.fill('input[name=token]', 'ldg_not-a-real-token');
    await stranger.click('button[type=submit]');
    await stranger.waitForSelector('#erreur-connexion:not([hidden])');
    assert.match(await stranger.innerText('#erreur-connexion'), /Jeton inconnu/);
    assert.equal(await stranger.isVisible('#table'), false, 'no table for a wrong token');
    await stranger.screenshot({ path: path.join(OUT, 'connexion-refusee.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(server.url + '/?scope=department&id=031');
    await waitView(page, 'department|031|');
    await page.screenshot({ path: path.join(OUT, 'telephone.png'), fullPage: true });

    // 7. Keyboard: the first department is reachable and opens with Enter.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(server.url + '/');
    await waitView(page, 'academy|toulouse|');
    await page.focus('tr[data-scope=department] th button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#table[data-view^="department|"]');

    assert.deepEqual(errors, [], 'JavaScript errors');
    console.log(`browser test passed; screenshots in ${OUT}`);
  } finally {
    await browser.close();
    server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('FAILED:', e.stack || e.message);
  process.exit(1);
});
