import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCloudTarget } from '../../console/local-target';
import { type ConsoleService, createConsoleHandler } from '../../console/server';
import { parsePlatformReport } from '../../ops/log-format';
import { type Harness, startHarness } from './harness';

/** What the page shows, as a DOM condition; the browser checks it until it holds or 10 s pass. */
const WAIT = { timeout: 10_000 };

let h: Harness;
let service: ConsoleService;
let browser: Browser;
let page: Page;
let base: string;
// Screenshots of each page, kept where CONSOLE_SCREENSHOTS says (to look at what the test saw);
// otherwise in the run's own temporary directory (TMPDIR, see global-setup.ts), removed at its end.
const keep = process.env.CONSOLE_SCREENSHOTS;
const shots = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'console-'));
mkdirSync(shots, { recursive: true });
if (keep) console.log(`Console screenshots go to ${shots}`);

beforeAll(async () => {
  const [harness, executablePath] = await Promise.all([startHarness(), chromium.executablePath()]);
  h = harness;
  service = createConsoleHandler({ target: localCloudTarget(h.cloud) });
  h.cloud.mount('/_console', service.handle);
  base = `${h.cloud.endpoint}/_console/`;
  browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 820 });
  page.on('pageerror', (error) => console.error(`page error: ${String(error)}`));
});

afterAll(async () => {
  await browser?.close();
  service?.close();
  await h?.stop();
});

/** Resolves once the element at `selector` shows exactly `text`. */
async function shows(selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    (sel, want) => document.querySelector(sel)?.textContent?.trim() === want,
    WAIT,
    selector,
    text,
  );
}

async function screenshot(name: string): Promise<void> {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
}

describe('the console in a real browser', () => {
  it('shows the counts the tables hold and a poison message with its reason, redrives it, follows a journey and invokes the requestor', async () => {
    const ids = await h.requestStrings(12);
    await h.send('RequestQueueUrl', [{ body: 'not json at all' }]);
    await h.cloud.waitForIdle();
    const dlq = h.cloud.outputs.RequestDlqUrl ?? '';
    await h.until('the poison message is in the request DLQ', async () => {
      return (await h.depth('RequestDlqUrl')).visible === 1;
    });
    const truth = await h.reconcile(ids);
    expect(truth.complete).toBe(12);
    // One invocation that fails as a whole: the requestor refuses a bad payload.
    const requestor = h.cloud.outputs.RequestorFunctionName ?? '';
    expect((await h.cloud.invoke(requestor, { count: -1 })).error).toBeDefined();
    const reports = h.logs.filter((l) => parsePlatformReport(l) !== undefined).length;

    // Overview: the counts by stage are the tables' counts, the DLQ shows its message.
    await page.goto(`${base}#/overview`);
    await shows('[data-stage=requested]', String(truth.requested));
    await shows('[data-stage=generated]', String(truth.generated));
    await shows('[data-stage=stored]', String(truth.stored));
    await shows('[data-stage=acknowledged]', String(truth.acknowledged));
    await shows('[data-stage=deadLettered]', '1');
    await shows('g[data-queue=request-dlq] [data-count=visible]', '1');
    // Per function, from the REPORT lines: every invocation counted once, the failed one an error.
    await page.waitForFunction(
      (want) =>
        ['requestor', 'generator']
          .map((fn) =>
            Number(document.querySelector(`[data-fn=${fn}] [data-stat=invocations]`)?.textContent),
          )
          .reduce((a, b) => a + b, 0) === want,
      WAIT,
      reports,
    );
    await shows('[data-fn=requestor] [data-stat=errors]', '1');
    await shows('[data-fn=generator] [data-stat=errors]', '0');
    await shows('[data-fn=generator] [data-stat=throttles]', '0');
    expect(await page.$eval('[data-fn=generator] [data-stat=p99]', (td) => td.textContent)).toMatch(
      /^\d+(\.\d)? ms$/,
    );
    // The engine's age of the oldest message: the dead letter has one, the empty queue 0 s.
    expect(
      await page.$eval('g[data-queue=request-dlq] [data-count=oldest]', (t) => t.textContent),
    ).toMatch(/^\d+ s$/);
    await shows('g[data-queue=ack] [data-count=oldest]', '0 s');
    await screenshot('overview');

    // Queues: the dead letter with the reason the generator gave, then a redrive.
    await page.goto(`${base}#/queues`);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('td.failure')].some((td) =>
          td.textContent?.includes('InvalidJson'),
        ),
      WAIT,
    );
    const failure = await page.$eval('td.failure', (td) => td.textContent ?? '');
    expect(failure).toMatch(/InvalidJson.*not JSON/);
    // Polling the page does not peek again while the DLQ holds the same messages, so the receive
    // count it shows is the one the API's next answer (reused, no receive) has.
    const shown = await page.$eval('td[data-field=receives]', (td) => Number(td.textContent));
    const again = await service.api.peek('request-dlq', 20);
    expect(again.messages[0]?.receiveCount).toBe(shown);
    expect((await service.api.peek('request-dlq', 20)).peekedAt).toBe(again.peekedAt);
    await screenshot('queues');
    // With the generator paused, the redriven message stays on the request queue to be counted.
    const generator = h.cloud.outputs.GeneratorFunctionName ?? '';
    await h.cloud.pauseConsumer(generator);
    // The dead letter was rejected by the generator: a redrive warns that it will come straight
    // back, and goes ahead only once that is confirmed.
    await page.click('form[aria-label="Redrive request-dlq"] button');
    await page.waitForFunction(
      () =>
        document
          .querySelector('form[aria-label="Redrive request-dlq"] .error')
          ?.textContent?.includes('rejected by a handler (InvalidJson)'),
      WAIT,
    );
    await page.click('form[aria-label="Redrive request-dlq"] input[type=checkbox]');
    await page.click('form[aria-label="Redrive request-dlq"] button');
    await page.waitForFunction(
      () =>
        document
          .querySelector('form[aria-label="Redrive request-dlq"] [role=status]')
          ?.textContent?.startsWith('Moved 1 of 1 message back to request'),
      WAIT,
    );
    await shows('tr[data-queue=request-dlq] [data-count=visible]', '0');
    await shows('tr[data-queue=request] [data-count=visible]', '1');
    expect(
      await page.$eval('tr[data-queue=request] [data-count=oldest]', (td) => td.textContent),
    ).toMatch(/^\d+ s$/);
    expect((await h.depth('RequestDlqUrl')).visible).toBe(0);
    h.cloud.resumeConsumer(generator);
    expect(dlq).not.toBe('');

    // Tables, then the journey of the first request listed.
    await page.goto(`${base}#/tables`);
    await page.waitForSelector('table.items tbody a', WAIT);
    await screenshot('tables');
    const firstId = await page.$eval('table.items tbody a', (a) => a.textContent ?? '');
    expect(ids).toContain(firstId);
    await page.click('table.items tbody a');
    await page.waitForSelector('li[data-step=acknowledged].done', WAIT);
    // The requestor logs the first id of each batch: type it into the journey form.
    const logged = ids[0] ?? '';
    await page.$eval('#journey-id', (input) => {
      (input as HTMLInputElement).value = '';
    });
    await page.type('#journey-id', logged);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (id) => document.querySelector('ul.logs')?.textContent?.includes(id),
      WAIT,
      logged,
    );
    expect(await page.$eval('ul.logs', (ul) => ul.textContent ?? '')).toContain(
      'requested strings',
    );
    await page.waitForSelector('li[data-step=acknowledged].done', WAIT);
    await screenshot('journey');

    // Functions: invoke the requestor from the page; the overview counts the new requests.
    await page.goto(`${base}#/functions`);
    await page.waitForSelector('form[aria-label="Invoke requestor"] button:not([disabled])', WAIT);
    // Which Node really runs it: the runtime host's, named by the runtime version in use.
    expect(
      await page.$eval('[data-function=requestor] dd[data-node]', (dd) => dd.textContent ?? ''),
    ).toMatch(/^nodejs24\.x, on Node v24\.\d+\.\d+$/);
    const payload = 'form[aria-label="Invoke requestor"] input';
    await page.$eval(payload, (input) => {
      (input as HTMLInputElement).value = '';
    });
    await page.type(payload, '{"count":3}');
    await page.click('form[aria-label="Invoke requestor"] button');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=invoke-requestor]')?.textContent?.includes('returned'),
      WAIT,
    );
    await screenshot('functions');
    await page.goto(`${base}#/overview`);
    await shows('[data-stage=requested]', String(truth.requested + 3));

    // The template's alarms, on the local figures: the failed invocation trips the requestor's
    // error alarm; the oldest-message alarm is evaluated on the engine's age, not left unknown.
    await page.goto(`${base}#/alarms`);
    await page.waitForSelector('[data-alarm$="-requestor-errors"] .badge', WAIT);
    await shows('[data-alarm$="-requestor-errors"] .badge', 'ALARM');
    await shows('[data-alarm$="-request-oldest-message-age"] .badge', 'OK');
    expect(
      await page.$eval('[data-alarm$="-request-oldest-message-age"]', (tr) => tr.textContent),
    ).toMatch(/Oldest message in \S+: \d+ s \(alarm at ≥ \d+ s\)/);
    await shows('[data-alarm$="-generator-throttles"] .badge', 'OK');
    // Queues beyond the pipeline's six (the schedule's DLQ) are read too, not left unknown.
    await shows('[data-alarm$="-schedule-dlq-not-empty"] .badge', 'OK');
    await screenshot('alarms');
  });

  it('shows a failing target as one sentence naming what failed', async () => {
    const broken = createConsoleHandler({
      target: {
        ...localCloudTarget(h.cloud),
        clientConfig: () => ({
          region: 'us-east-1',
          endpoint: 'http://127.0.0.1:9',
          credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        }),
      },
      basePath: '/_broken',
    });
    h.cloud.mount('/_broken', broken.handle);
    try {
      await page.goto(`${h.cloud.endpoint}/_broken/#/queues`);
      await page.waitForSelector('[role=alert]', WAIT);
      const text = await page.$eval('[role=alert]', (p) => p.textContent ?? '');
      expect(text).toMatch(
        /^GetQueueAttributes on \S+ failed: nothing answers at the target endpoint$/,
      );
    } finally {
      broken.close();
    }
  });
});
