// End-to-end test of the console: a real `mintage serve` on a fresh ledger, Debian's
// Chromium driven by playwright-core, a screenshot of every page into docs/console/.
//
//   MINTAGE_BIN   the binary (default ../target/debug/mintage, from console/)
//   MINTAGE_DB    the ledger (default a fresh sqlite: file in a temporary folder)
//   CHROMIUM      the browser (default /usr/bin/chromium)
//   KEEP=1        keep the temporary folder (server log, failure screenshot)
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { SAMPLE_RULES } from '../src/samples.js';
import {
  CAMPAIGN, CAMPAIGN_NAME, addKey, client, freePort, sleep, startServer, tail, traffic, viewItem, writeRules,
} from './service.mjs';

const CONSOLE = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const REPO = path.dirname(CONSOLE);
const BIN = path.resolve(CONSOLE, process.env.MINTAGE_BIN ?? '../target/debug/mintage');
const BROWSER = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(REPO, 'docs', 'console');
const DIST = path.join(CONSOLE, 'dist');

const tmp = await mkdtemp(path.join(os.tmpdir(), 'mintage-console-e2e-'));
const DB = process.env.MINTAGE_DB || `sqlite:${path.join(tmp, 'ledger.db')}`;
const LOG = path.join(tmp, 'serve.log');

function fail(message) {
  throw new Error(message);
}
function check(cond, message) {
  if (!cond) fail(message);
}

for (const [file, what] of [[BIN, 'the mintage binary (MINTAGE_BIN; `cargo build` first)'],
  [BROWSER, 'Chromium (CHROMIUM; `apt-get install -y chromium`)'],
  [path.join(DIST, 'index.html'), 'the built console (`npm run build` in console/)']]) {
  if (!existsSync(file)) {
    console.error(`e2e: ${what} is missing: ${file}`);
    process.exit(2);
  }
}

const ctx = {};
const steps = [];
const step = (name, fn) => steps.push({ name, fn });

// ---------------------------------------------------------------------------------------
step('the service starts on a fresh ledger, with an admin and a read key', async () => {
  const rules = await writeRules(BIN, path.join(tmp, 'rules'));
  ctx.adminKey = addKey(BIN, DB, 'admin,decide,redeem');
  ctx.readKey = addKey(BIN, DB, 'read');
  const port = await freePort();
  ctx.server = await startServer({ bin: BIN, rules, db: DB, port, consoleDir: process.env.MINTAGE_CONSOLE_DIR ?? DIST, log: LOG });
  ctx.api = client(ctx.server.base, ctx.adminKey);
  ctx.url = `${ctx.server.base}/console/index.html`;
});

step('traffic: 30 users view an item, every third redeems its coupon; 3 risky users are withheld', async () => {
  ctx.users = Array.from({ length: 30 }, (_, i) => `u-${String(i + 1).padStart(2, '0')}`);
  const { codes, redeemed } = await traffic(ctx.api, ctx.users);
  check(codes.length === 30, `expected 30 coupons from 30 new users, got ${codes.length}`);
  check(redeemed === 10, `expected 10 redemptions, got ${redeemed}`);
  for (const id of ['u-risky-1', 'u-risky-2', 'u-risky-3']) {
    const answer = await ctx.api.post('/v1/decide', viewItem(id, 0.95));
    const reasons = (answer.decision?.suppressed ?? []).map((x) => x.reason);
    check(reasons.includes('risk:fraud_score'), `a fraud score of 0.95 was not withheld: ${JSON.stringify(answer.decision)}`);
  }
  const list = await ctx.api.get('/v1/campaigns');
  const c = list.campaigns.find((x) => x.id === CAMPAIGN);
  check(c, `GET /v1/campaigns has no ${CAMPAIGN}: ${JSON.stringify(list).slice(0, 300)}`);
  check(c.issued === 30, `GET /v1/campaigns says issued ${c.issued}, expected 30`);
  check(c.suppressed?.['risk:fraud_score'] === 3, `GET /v1/campaigns says suppressed ${JSON.stringify(c.suppressed)}`);
});

step('the browser opens the console; a wrong key is refused on the login screen', async () => {
  ctx.browser = await chromium.launch({ executablePath: BROWSER, headless: true, args: ['--no-sandbox'] });
  ctx.context = await ctx.browser.newContext({
    viewport: { width: 1400, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Shanghai',
  });
  const page = await ctx.context.newPage();
  ctx.page = page;
  ctx.pageErrors = [];
  page.on('pageerror', (e) => ctx.pageErrors.push(e.message));
  await page.goto(ctx.url);
  await page.getByTestId('login-key').waitFor();
  await shot(page, 'login');
  await page.getByTestId('login-key').fill('mnt_not_a_key');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').filter({ hasText: /\S/ }).waitFor({ timeout: 10_000 });
});

step('log in with the admin key: the table shows the campaign and its issued count', async () => {
  const { page } = ctx;
  await login(page, ctx.adminKey);
  await page.getByTestId(`campaign-${CAMPAIGN}`).waitFor();
  await expectText(page.getByTestId(`issued-${CAMPAIGN}`), '30');
  await expectText(page.getByTestId(`redeemed-${CAMPAIGN}`), '10');
  await expectText(page.getByTestId(`state-${CAMPAIGN}`), 'live');
  const row = await page.getByTestId(`campaign-${CAMPAIGN}`).innerText();
  check(row.includes(CAMPAIGN_NAME), `the row does not show the campaign's name ${CAMPAIGN_NAME}: ${row}`);
  const scopes = await page.getByTestId('scopes').innerText();
  check(scopes.includes('admin'), `the navigation bar shows scopes "${scopes}"`);
  await page.getByTestId(`pause-${CAMPAIGN}`).waitFor();
  await page.getByTestId('reload-rules').waitFor();
});

step('more traffic: the issued count changes without a reload', async () => {
  const { page } = ctx;
  await page.evaluate(() => { window.__e2eNoReload = true; });
  await traffic(ctx.api, ['u-31', 'u-32', 'u-33', 'u-34', 'u-35']);
  await expectText(page.getByTestId(`issued-${CAMPAIGN}`), '35', 15_000);
  check(await page.evaluate(() => window.__e2eNoReload === true), 'the page was reloaded');
  await expectText(page.getByTestId('updated'), /updated \d\d:\d\d:\d\d/);
  await shot(page, 'campaigns');
});

step('the language toggle switches the labels to Chinese and back', async () => {
  const { page } = ctx;
  await page.getByTestId('lang-toggle').click();
  await expectText(page.getByTestId('nav-campaigns'), '活动');
  await expectText(page.getByTestId(`state-${CAMPAIGN}`), '进行中');
  await page.getByTestId('lang-toggle').click();
  await expectText(page.getByTestId('nav-campaigns'), 'Campaigns');
});

step('the campaign page draws the hourly series and the experiment report', async () => {
  const { page } = ctx;
  await page.getByRole('link', { name: CAMPAIGN_NAME }).click();
  await page.waitForURL(/#\/campaign\/e2e_welcome$/);
  await page.locator('[data-testid="series-chart"] svg').waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="series-chart"]')?.dataset.issued) >= 35, null, { timeout: 15_000 });
  await page.locator('[data-testid="report-chart"] svg').waitFor({ timeout: 15_000 });
  const marks = await page.locator('[data-testid="report-chart"] svg path').count();
  check(marks > 10, `the report chart drew ${marks} paths`);
  await page.locator('[data-testid="suppression-reasons"] li[data-reason="risk:fraud_score"]').waitFor();
  const table = await page.getByTestId('report-table').innerText();
  for (const arm of ['a', 'b']) check(new RegExp(`^${arm}\\s`, 'm').test(table), `the report table has no arm ${arm}:\n${table}`);
  check(/baseline/.test(table), `the report table names no baseline:\n${table}`);
  await page.waitForTimeout(300);
  await shot(page, 'campaign', true);
});

step('the playground runs an event against its own rules and shows the coupon, trace and graph', async () => {
  const { page } = ctx;
  await page.getByTestId('nav-playground').click();
  await page.locator('.cm-content').waitFor();
  await page.getByTestId('reset-sample').click();
  await expectText(page.getByTestId('check-status'), 'no problems', 15_000);
  await page.getByTestId('sample-view_item').click();
  await page.getByTestId('run-event').click();
  await page.locator('[data-testid="decision-coupons"] .coupon').first().waitFor({ timeout: 15_000 });
  const coupon = await page.getByTestId('decision-coupons').innerText();
  check(/playground_welcome \/ (welcome|flat_welcome)/.test(coupon), `the coupon is not the sample's: ${coupon}`);
  const trace = await page.getByTestId('decision-trace').innerText();
  check(/playground_welcome \/ \w+: issued/.test(trace), `the trace says no rule issued: ${trace}`);
  await page.locator('[data-testid="graph"] svg').waitFor({ timeout: 30_000 });
});

step('the playground flags a typo in the event type (E004 with its suggestion) at its line', async () => {
  const { page } = ctx;
  const line = SAMPLE_RULES.split('\n').findIndex((l) => l.trim() === 'on view_item') + 1;
  check(line > 0, 'the sample rules have no `on view_item` line');
  // Type like a person: at the end of the line, `view_item` becomes `view_iten`.
  await page.locator('.cm-line').nth(line - 1).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('n');
  const diag = page.locator('[data-testid="diagnostic"][data-code="E004"]');
  await diag.first().waitFor({ timeout: 15_000 });
  const text = await diag.first().innerText();
  check(text.startsWith(`E004 ${line}:8 `), `expected "E004 ${line}:8 …", got "${text}"`);
  check(text.includes('view_iten') && text.includes('view_item'), `the diagnostic has no suggestion: "${text}"`);
  check(await diag.first().getAttribute('data-line') === String(line), 'the diagnostic is on another line');
  await page.locator('.cm-lintRange-error').first().waitFor();
  await page.mouse.move(0, 0);
  await shot(page, 'playground', true);
  await page.keyboard.press('Backspace');
  await page.keyboard.type('m');
  await expectText(page.getByTestId('check-status'), 'no problems', 15_000);
});

step('the playground flags a typo in a field (E002 with its suggestion) at its line and column', async () => {
  const { page } = ctx;
  const line = SAMPLE_RULES.split('\n').findIndex((l) => l.trim() === 'audience user.paid_orders == 0') + 1;
  check(line > 0, 'the sample rules have no `audience user.paid_orders == 0` line');
  const column = SAMPLE_RULES.split('\n')[line - 1].indexOf('user.') + 1;
  // `user.paid_orders` becomes `user.paid_order`: the `s` before ` == 0` is deleted.
  await page.locator('.cm-line').nth(line - 1).click();
  await page.keyboard.press('End');
  for (let i = 0; i < ' == 0'.length; i++) await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Backspace');
  const diag = page.locator('[data-testid="diagnostic"][data-code="E002"]');
  await diag.first().waitFor({ timeout: 15_000 });
  const text = await diag.first().innerText();
  check(text.startsWith(`E002 ${line}:${column} `), `expected "E002 ${line}:${column} …", got "${text}"`);
  check(text.includes('user.paid_order`') && text.includes('did you mean `user.paid_orders`'), `the diagnostic has no suggestion: "${text}"`);
  await page.keyboard.type('s');
  await expectText(page.getByTestId('check-status'), 'no problems', 15_000);
});

step('pause the campaign: a new user\'s event is suppressed as `paused`, seen on the Why page', async () => {
  const { page } = ctx;
  await page.getByTestId('nav-campaigns').click();
  await page.getByTestId(`pause-${CAMPAIGN}`).click();
  await expectText(page.getByTestId(`state-${CAMPAIGN}`), 'paused', 10_000);
  await page.getByTestId(`resume-${CAMPAIGN}`).waitFor();
  const answer = await ctx.api.post('/v1/decide', viewItem('u-paused'));
  const reasons = (answer.decision?.suppressed ?? []).map((s) => s.reason);
  check(reasons.includes('paused'), `POST /v1/decide while paused: suppressed ${JSON.stringify(reasons)}, expected paused`);
  await page.getByTestId('nav-why').click();
  await page.getByTestId('why-user').fill('u-paused');
  await page.getByTestId('why-lookup').click();
  await page.locator('[data-testid="decisions"] summary', { hasText: 'paused' }).first().waitFor({ timeout: 10_000 });
  await page.getByTestId('explain-run').click();
  await page.locator('[data-testid="explain-result"] li.suppressed[data-reason="paused"]').waitFor({ timeout: 10_000 });
  const trace = await page.getByTestId('explain-result').innerText();
  check(new RegExp(`${CAMPAIGN} / welcome_[ab]: suppressed`).test(trace), `the explained trace does not say suppressed:\n${trace}`);
  await shot(page, 'why', true);
});

step('resume the campaign: the next user gets a coupon again', async () => {
  const { page } = ctx;
  await page.getByTestId('nav-campaigns').click();
  await page.getByTestId(`resume-${CAMPAIGN}`).click();
  await expectText(page.getByTestId(`state-${CAMPAIGN}`), 'live', 10_000);
  const answer = await ctx.api.post('/v1/decide', viewItem('u-resumed'));
  check((answer.decision?.coupons ?? []).length === 1, `after resume: ${JSON.stringify(answer.decision).slice(0, 300)}`);
});

step('a read key sees the dashboards only: no pause, no reload, no playground', async () => {
  const { page } = ctx;
  await page.getByTestId('logout').click();
  await page.getByTestId('login-key').waitFor();
  await login(page, ctx.readKey);
  await page.getByTestId(`campaign-${CAMPAIGN}`).waitFor();
  await expectText(page.getByTestId(`issued-${CAMPAIGN}`), /^\d+$/);
  check(await page.locator('[data-testid^="pause-"], [data-testid^="resume-"]').count() === 0, 'a read key sees a pause button');
  check(await page.getByTestId('reload-rules').count() === 0, 'a read key sees the reload button');
  check(await page.getByTestId('nav-playground').count() === 0, 'a read key sees the playground');
  await page.getByRole('link', { name: CAMPAIGN_NAME }).click();
  await page.locator('[data-testid="series-chart"] svg').waitFor({ timeout: 15_000 });
});

step('a key that stops working sends the console back to the login screen with the message', async () => {
  const { page } = ctx;
  await page.evaluate(() => sessionStorage.setItem('mintage.key', 'mnt_revoked_key'));
  await page.getByTestId('nav-campaigns').click();
  await page.getByTestId('login-key').waitFor({ timeout: 10_000 });
  await expectText(page.getByTestId('login-error'), /^Signed out: \S/);
});

step('no errors were thrown in the page', async () => {
  check(ctx.pageErrors.length === 0, `errors in the page:\n${ctx.pageErrors.join('\n')}`);
});

// ---------------------------------------------------------------------------------------
async function login(page, key) {
  await page.getByTestId('login-key').fill(key);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('page-campaigns').waitFor({ timeout: 10_000 });
}

/** Waits until the locator's text is (or matches) `want`. */
async function expectText(locator, want, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last = null;
  for (;;) {
    try {
      last = (await locator.innerText({ timeout: 1000 })).trim();
      if (typeof want === 'string' ? last === want : want.test(last)) return last;
    } catch (e) {
      last = `(${e.message.split('\n')[0]})`;
    }
    if (Date.now() > deadline) fail(`expected ${locator} to read ${want}, it reads ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

async function shot(page, name, fullPage = false) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

let passed = 0;
let failed = 0;
let failure = null;
const started = Date.now();
for (const [i, s] of steps.entries()) {
  if (failure) break;
  const t0 = Date.now();
  try {
    await s.fn();
    passed += 1;
    console.log(`ok ${i + 1} - ${s.name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed += 1;
    failure = e;
    console.log(`not ok ${i + 1} - ${s.name}\n  ${String(e.stack ?? e).split('\n').join('\n  ')}`);
    if (ctx.page) {
      const file = path.join(tmp, 'failure.png');
      await ctx.page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.log(`  screenshot of the failure: ${file}; page errors: ${ctx.pageErrors?.join('; ') || 'none'}`);
    }
    console.log(`  ${tail(LOG).split('\n').join('\n  ')}`);
  }
}

await ctx.browser?.close().catch(() => {});
await ctx.server?.stop().catch(() => {});
const skipped = steps.length - passed - failed;
if (!failure && !process.env.KEEP) await rm(tmp, { recursive: true, force: true });
else console.log(`kept ${tmp}`);
console.log(`e2e: ${((Date.now() - started) / 1000).toFixed(1)} s, screenshots in ${path.relative(process.cwd(), SHOTS) || '.'}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failure ? 1 : 0);
