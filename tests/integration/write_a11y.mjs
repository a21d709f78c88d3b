#!/usr/bin/env node
// write_a11y.mjs: the web editor's pages in a real browser (Debian's
// Chromium, headless, driven by playwright-core from tests/browser's
// node_modules), checked with axe-core like the reader's pages
// (tests/browser/a11y.mjs), but reached the way a person reaches them:
// signing in, sending forms, previewing.  Prints TAP; exits 1 when a
// check failed.
//
//   node write_a11y.mjs --base URL --modules tests/browser --user NAME --password PW
//                       [--chromium /usr/bin/chromium]
//
// Two passes over the same steps, each in its own browser context:
//   axe    (JavaScript on for axe; crier's CSP bypassed to inject it):
//          WCAG 2.0/2.1/2.2 A and AA rules at 320 and 1280 px, in the light
//          and the dark colour scheme, and no horizontal scrolling at 320 px
//   no-js  (JavaScript off, the real CSP): every step works by plain forms,
//          answers the expected status, and has a heading and no <script>

import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WIDTHS = [320, 1280];
const SCHEMES = ['light', 'dark'];
const MARKDOWN = '# Heading\n\nSome **bold** text and a table:\n\n| Task | Owner |\n|---|---|\n| Audit | Ana |\n\n'
	+ '- [x] done\n- [ ] to do\n\n~~paper~~ online, see https://www.gov.uk/service-manual\n';

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
async function submit(page, sel) {
	const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(sel)]);
	return resp?.status();
}

async function go(page, url) {
	return (await page.goto(url, { waitUntil: 'load' }))?.status();
}

// The steps, in order: each leads the page to one state and says what it
// should look like.  `state` carries the draft's address between steps.
function steps(base, user, password) {
	const state = {};
	return [
		{ name: 'sign-in form', status: 200, text: 'Sign in to write', run: (p) => go(p, base + '/login') },
		{ name: 'sign-in with a wrong password', status: 422, text: 'There is a problem', run: async (p) => {
			await p.fill('#name', user);
			await p.fill('#password', 'not the password');
			return submit(p, 'main button[type=submit]');
		} },
		{ name: 'the list of weeknotes', status: 200, text: 'Your weeknotes', run: async (p) => {
			await p.fill('#password', password);
			return submit(p, 'main button[type=submit]');
		} },
		{ name: 'a new weeknote', status: 200, text: 'New weeknote', run: (p) => go(p, base + '/write/new') },
		{ name: 'the editor with errors', status: 422, text: 'There is a problem', run: async (p) => {
			await p.fill('#title', '');
			await p.fill('#tags', 'weeknotes, user research');
			await p.fill('#markdown', MARKDOWN);
			return submit(p, 'button[value=publish]');
		} },
		{ name: 'the editor with a preview', status: 200, text: 'Not saved yet', run: async (p) => {
			await p.fill('#title', 'Weeknotes 48: accessible forms');
			return submit(p, 'button[value=preview]');
		} },
		{ name: 'a saved draft', status: 200, text: 'The draft was saved.', run: async (p) => {
			const status = await submit(p, 'button[value=draft]');
			state.edit = p.url().replace(/\?.*$/, '');
			return status;
		} },
		{ name: 'the delete confirmation', status: 200, text: 'Delete “Weeknotes 48', run: (p) => go(p, state.edit + '/delete') },
		{ name: 'the list after deleting', status: 200, text: 'The weeknote was deleted.', run: (p) => submit(p, 'button.button-warning') },
	];
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

async function pass(browser, label, options, check, base, user, password) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
	const page = await ctx.newPage();
	const offOrigin = [];
	await ctx.route('**/*', (route) => {
		if (new URL(route.request().url()).origin === new URL(base).origin)
			return route.continue();
		offOrigin.push(route.request().url());
		return route.abort();
	});
	for (const s of steps(base, user, password)) {
		const status = await s.run(page);
		const shape = await page.evaluate(() => ({
			h1: document.querySelector('main#main h1')?.textContent.trim() ?? null,
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

async function main() {
	const { values } = parseArgs({ options: {
		base: { type: 'string' }, modules: { type: 'string' }, user: { type: 'string' },
		password: { type: 'string' }, chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
	} });
	if (!values.base || !values.modules || !values.user || !values.password) {
		console.error('usage: node write_a11y.mjs --base URL --modules DIR --user NAME --password PW [--chromium PATH]');
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
		await pass(browser, 'axe', { bypassCSP: true }, (page, name) => axeCheck(page, name, axeSource),
			values.base, values.user, values.password);
		await pass(browser, 'no-js', { javaScriptEnabled: false }, null, values.base, values.user, values.password);
	} finally {
		await browser.close();
	}
	console.log(`1..${n}`);
	return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
	console.log(`not ok ${n + 1} - write_a11y.mjs crashed\n#   ${String(e.stack || e).split('\n').join('\n#   ')}`);
	console.log(`1..${n + 1}`);
	process.exit(1);
});
