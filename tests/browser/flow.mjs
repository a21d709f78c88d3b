// flow.mjs: what the browser scenarios that walk through forms share
// (tests/integration/write_a11y.mjs, digest_a11y.mjs).  A scenario gives
// its steps; runFlow signs nothing in by itself, it runs the steps twice,
// each in its own browser context, and prints TAP:
//   axe    (JavaScript on for axe; crier's CSP bypassed to inject it):
//          WCAG 2.0/2.1/2.2 A and AA rules at 320 and 1280 px, in the light
//          and the dark colour scheme, and no horizontal scrolling at 320 px
//   no-js  (JavaScript off, the real CSP): every step works by plain forms,
//          answers the expected status, and has a heading and no <script>
// plus a control page that proves axe reports known violations.
//
// A step is { name, status, text, run(page) -> HTTP status }; steps(base,
// user, password, label) makes the list for one pass (label: "axe" or
// "no-js", so each pass can create things of its own).

import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WIDTHS = [320, 1280];
const SCHEMES = ['light', 'dark'];

let n = 0, failed = 0;
function ok(pass, name, diag) {
	n++;
	console.log(`${pass ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!pass) {
		failed++;
		for (const line of String(diag ?? '').split('\n'))
			if (line)
				console.log('#   ' + line);
	}
	return pass;
}

// Clicks sel and waits for the page it leads to; returns that page's status.
export async function submit(page, sel) {
	const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(sel)]);
	return resp?.status();
}

export async function go(page, url) {
	return (await page.goto(url, { waitUntil: 'load' }))?.status();
}

async function axeCheck(page, name, axeSource) {
	await page.addScriptTag({ content: axeSource });
	for (const width of WIDTHS) {
		for (const scheme of SCHEMES) {
			const where = `${name} (${scheme}, ${width} px)`;
			await page.emulateMedia({ colorScheme: scheme });
			await page.setViewportSize({ width, height: width <= 320 ? 640 : 900 });
			const r = await page.evaluate((tags) => window.axe.run(document,
				{ runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), AXE_TAGS);
			ok(r.violations.length === 0, `axe: ${where} has no WCAG 2.2 A/AA violations`,
				r.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ` + v.nodes.slice(0, 5)
					.map((x) => x.target.join(' ')).join('\n  ')).join('\n'));
			if (width <= 320) {
				const o = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }));
				ok(o.doc <= o.vw, `${where}: no horizontal scrolling`, `${o.doc} px wide in ${o.vw} px`);
			}
		}
	}
}

// axe must be seen to run at all: a page with known violations.
async function axeControl(browser, axeSource) {
	const ctx = await browser.newContext({ bypassCSP: true });
	const page = await ctx.newPage();
	await page.setContent('<html><head><title>control</title></head><body><main><form>'
		+ '<input type="text" name="x"><img src="data:,"></form></main></body></html>');
	await page.addScriptTag({ content: axeSource });
	const r = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
	const ids = r.violations.map((v) => v.id).sort();
	ok(['html-has-lang', 'image-alt', 'label'].every((id) => ids.includes(id)),
		'control: axe-core reports the violations of a known-bad form', `got: ${ids.join(', ')}`);
	await ctx.close();
}

async function pass(browser, steps, label, options, check, base, user, password) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
	const page = await ctx.newPage();
	const offOrigin = [];
	await ctx.route('**/*', (route) => {
		if (new URL(route.request().url()).origin === new URL(base).origin)
			return route.continue();
		offOrigin.push(route.request().url());
		return route.abort();
	});
	for (const s of steps(base, user, password, label)) {
		const status = await s.run(page);
		// pages have their heading in main; the email preview is a document of its own
		const shape = await page.evaluate(() => ({
			h1: (document.querySelector('main#main h1') || document.querySelector('h1'))?.textContent.trim() ?? null,
			scripts: document.querySelectorAll('script').length,
			text: document.body.innerText,
		}));
		ok(status === s.status && shape.h1 && shape.text.includes(s.text),
			`${label}: ${s.name} answers ${s.status} and shows “${s.text}”`,
			`status ${status}, h1 ${shape.h1}, url ${page.url()}`);
		if (check)
			await check(page, s.name);
		else
			ok(shape.scripts === 0, `${label}: ${s.name} has no script`, `${shape.scripts} <script> elements`);
	}
	ok(offOrigin.length === 0, `${label}: no requests to other origins`, offOrigin.join('\n'));
	await ctx.close();
}

async function main(script, steps) {
	const { values } = parseArgs({ options: {
		base: { type: 'string' }, modules: { type: 'string' }, user: { type: 'string' },
		password: { type: 'string' }, chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
	} });
	if (!values.base || !values.modules || !values.user || !values.password) {
		console.error(`usage: node ${script} --base URL --modules DIR --user NAME --password PW [--chromium PATH]`);
		return 2;
	}
	const require = createRequire(join(values.modules, 'package.json'));
	const { chromium } = require('playwright-core');
	const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
	const browser = await chromium.launch({ executablePath: values.chromium, timeout: 30000,
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', '--lang=en-GB'] });
	try {
		console.log(`# Chromium ${browser.version()}`);
		await axeControl(browser, axeSource);
		await pass(browser, steps, 'axe', { bypassCSP: true }, (page, name) => axeCheck(page, name, axeSource),
			values.base, values.user, values.password);
		await pass(browser, steps, 'no-js', { javaScriptEnabled: false }, null,
			values.base, values.user, values.password);
	} finally {
		await browser.close();
	}
	console.log(`1..${n}`);
	return failed ? 1 : 0;
}

// Runs a scenario's steps as above and exits with its status.
export function runFlow(script, steps) {
	main(script, steps).then((code) => process.exit(code), (e) => {
		console.log(`not ok ${n + 1} - ${script} crashed\n#   ${String(e.stack || e).split('\n').join('\n#   ')}`);
		console.log(`1..${n + 1}`);
		process.exit(1);
	});
}
