// The service under test: a rule folder, keys, `mintage serve` on a free port, and traffic.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export const CAMPAIGN = 'e2e_welcome';
export const CAMPAIGN_NAME = '新客首单阶梯券';

/** "2026-11-02 10:00" of `date` in Asia/Shanghai, as a rule file writes a window. */
function shanghai(date) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** An event campaign live now, with a budget and a two-arm experiment. */
export function rulesText(now = new Date()) {
  const start = shanghai(new Date(now.getTime() - 24 * 3600e3));
  const end = shanghai(new Date(now.getTime() + 7 * 24 * 3600e3));
  return `# Written by console/tests/e2e.mjs: a campaign live around the time of the test.
campaign ${CAMPAIGN} "${CAMPAIGN_NAME}" {
  window ${start} .. ${end} Asia/Shanghai
  budget ¥5_000 face value
  pace evenly
  funding platform 100%
  audience user.paid_orders == 0

  experiment ab by user.id {
    arm a 50%
    arm b 50%
  }

  rule welcome_a in a {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }

  rule welcome_b in b {
    on view_item
    once per user
    give amount_off ¥20 min_spend ¥100 valid 72h
  }
}

risk {
  check fraud_score: withhold when scores.fraud_risk >= 0.9
}
`;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `mintage keys add --scope SCOPES --db DB`: the key it prints on stdout. */
export function addKey(bin, db, scopes) {
  let out;
  try {
    out = execFileSync(bin, ['keys', 'add', '--scope', scopes, '--label', `e2e ${scopes}`, '--db', db], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new Error(`mintage keys add --scope ${scopes} failed (exit ${e.status}): ${e.stderr || e.message}`);
  }
  const key = out.trim().split('\n').pop().trim();
  if (!key) throw new Error(`mintage keys add --scope ${scopes} printed no key`);
  return key;
}

/** Writes the rule folder and checks it with `mintage check`. */
export async function writeRules(bin, dir) {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'e2e.mint');
  await writeFile(file, rulesText());
  try {
    execFileSync(bin, ['check', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`the test's rule file does not check:\n${e.stdout}${e.stderr}`);
  }
  return file;
}

/** Starts `mintage serve` and waits for GET /health. */
export async function startServer({ bin, rules, db, port, consoleDir, log }) {
  const args = ['serve', rules, '--db', db, '--listen', `127.0.0.1:${port}`, '--seed', '1', '--max-skew', '24h'];
  const out = createWriteStream(log);
  const env = { ...process.env, MINTAGE_LOG: process.env.MINTAGE_LOG ?? 'info' };
  if (consoleDir) env.MINTAGE_CONSOLE_DIR = consoleDir;
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`mintage serve exited (${exited.code ?? exited.signal}) before it was healthy; ${tail(log)}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`mintage serve was not healthy within 90 s; ${tail(log)}`);
    await sleep(250);
  }
  return {
    base,
    child,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timeout = sleep(10_000).then(() => 'timeout');
      if ((await Promise.race([done, timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await done;
      }
    },
  };
}

export function tail(log, lines = 30) {
  if (!existsSync(log)) return 'no server log';
  const text = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `the server's last log lines:\n${text}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A JSON client of the service with one key. */
export function client(base, key) {
  async function call(method, route, body) {
    const headers = { Authorization: `Bearer ${key}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(base + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text.slice(0, 500)}`);
    return json;
  }
  return {
    get: (route) => call('GET', route),
    post: (route, body) => call('POST', route, body),
  };
}

let seq = 0;
const user = (id) => ({
  id,
  registered_at: new Date(Date.now() - 2 * 86400e3).toISOString(),
  paid_orders: 0,
  device_id: `d-${id}`,
});
const ITEM = { id: 'i-1', category: 'shoes', price: 600, seller_id: 's-1' };

export function viewItem(userId, fraudRisk = 0.01) {
  return {
    id: `e2e-view-${userId}-${++seq}`, type: 'view_item', at: new Date().toISOString(),
    user: user(userId), item: ITEM, scores: { fraud_risk: fraudRisk },
  };
}

function orderPaid(userId, orderId, total, codes) {
  return {
    id: `e2e-paid-${orderId}`, type: 'order_paid', at: new Date().toISOString(), user: user(userId),
    order: { id: orderId, total, items: [ITEM], coupons: codes, shipping: 0 },
  };
}

/**
 * Traffic: each user views an item (and gets the coupon of their arm); every third one
 * redeems it on a paid order. Answers the codes minted and the redemptions accepted.
 */
export async function traffic(api, users) {
  const codes = [];
  let redeemed = 0;
  for (const [i, id] of users.entries()) {
    const answer = await api.post('/v1/decide', viewItem(id));
    const coupons = answer.decision?.coupons ?? [];
    codes.push(...coupons.map((c) => c.code));
    if (i % 3 === 0 && coupons.length) {
      const orderId = `o-${id}`;
      const r = await api.post('/v1/redeem', {
        code: coupons[0].code,
        order: { id: orderId, buyer_id: id, items: [ITEM] },
      });
      if (!r.accepted) throw new Error(`redeeming ${coupons[0].code} was refused: ${JSON.stringify(r)}`);
      redeemed += 1;
      await api.post('/v1/decide', orderPaid(id, orderId, 600 - (r.settlement?.discount ?? 0), [coupons[0].code]));
    }
  }
  return { codes, redeemed };
}
