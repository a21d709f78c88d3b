#!/usr/bin/env node
// digest_a11y.mjs: curating and reading a digest in a real browser
// (Debian's Chromium, headless, playwright-core from tests/browser's
// node_modules), reached the way a person reaches it: signing in,
// starting a digest, finding and adding posts, reordering, previewing the
// email, publishing, then the public pages.  Every page is checked with
// axe-core (WCAG 2.0/2.1/2.2 A and AA) at 320 and 1280 px in light and
// dark, for horizontal scrolling at 320 px; the email preview (the HTML
// part exactly as sent) too.  A second pass does it all with JavaScript
// off under crier's real CSP.  Prints TAP; exits 1 when a check failed.
//
//   node digest_a11y.mjs --base URL --modules tests/browser --user NAME --password PW
//                        [--chromium /usr/bin/chromium]

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

async function submit(page, sel) {
	const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(sel)]);
	return resp?.status();
}

async function go(page, url) {
	return (await page.goto(url, { waitUntil: 'load' }))?.status();
}

// The steps, in order; `slug` tells the two passes' digests apart.
function steps(base, user, password, slug) {
	const title = slug === 'axe' ? 'Picks for axe' : 'Picks without script';
	const path = `/digest/picks-${slug === 'axe' ? 'for-axe' : 'without-script'}`;
	return [
		{ name: 'sign in', status: 200, text: 'Sign in', run: (p) => go(p, base + '/login') },
		{ name: 'signed in', status: 200, text: 'Your weeknotes', run: async (p) => {
			await p.fill('#name', user);
			await p.fill('#password', password);
			return submit(p, 'main button[type=submit]');
		} },
		{ name: 'start a digest', status: 200, text: 'Start a digest', run: (p) => go(p, base + '/digests/new') },
		{ name: 'start a digest, with an error', status: 400, text: 'There is a problem', run: (p) =>
			submit(p, 'main form.write-form button[type=submit]') },
		{ name: 'the new digest', status: 200, text: 'Add posts to it below', run: async (p) => {
			await p.fill('#title', title);
			await p.fill('#week', '2026-W42');
			return submit(p, 'main form.write-form button[type=submit]');
		} },
		{ name: 'posts found', status: 200, text: 'found in 2026-W42', run: async (p) => {
			await p.fill('#find-q', 'forms OR audit OR roadworks');
			return submit(p, 'form.digest-find button');
		} },
		{ name: 'a post added', status: 200, text: 'The post was added', run: async (p) => {
			await p.fill('textarea[name=note] >> nth=0', 'Worth **reading**.');
			return submit(p, 'button[value=add] >> nth=0');
		} },
		{ name: 'another post added', status: 200, text: 'The post was added', run: (p) =>
			submit(p, 'button[value=add] >> nth=0') },
		{ name: 'a post moved', status: 200, text: 'The post was moved', run: (p) =>
			submit(p, 'button[value=down] >> nth=0') },
		{ name: 'the email preview', status: 200, text: title, email: true, run: (p) =>
			go(p, base + path + '/preview') },
		{ name: 'back to the digest', status: 200, text: 'Posts in this digest', run: (p) =>
			go(p, base + path + '/edit') },
		{ name: 'published', status: 200, text: 'The digest was published', run: (p) =>
			submit(p, 'button[value=publish]') },
		{ name: 'the digest page', status: 200, text: 'Worth reading', run: (p) => go(p, base + path) },
		{ name: 'the digests page', status: 200, text: title, run: (p) => go(p, base + '/digests') },
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
	for (const s of steps(base, user, password, label)) {
		const status = await s.run(page);
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

async function main() {
	const { values } = parseArgs({ options: {
		base: { type: 'string' }, modules: { type: 'string' }, user: { type: 'string' },
		password: { type: 'string' }, chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
	} });
	if (!values.base || !values.modules || !values.user || !values.password) {
		console.error('usage: node digest_a11y.mjs --base URL --modules DIR --user NAME --password PW [--chromium PATH]');
		return 2;
	}
	const require = createRequire(join(values.modules, 'package.json'));
	const { chromium } = require('playwright-core');
	const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
	const browser = await chromium.launch({ executablePath: values.chromium, timeout: 30000,
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', '--lang=en-GB'] });
	try {
		console.log(`# Chromium ${browser.version()}`);
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
	console.log(`not ok ${n + 1} - digest_a11y.mjs crashed\n#   ${String(e.stack || e).split('\n').join('\n#   ')}`);
	console.log(`1..${n + 1}`);
	process.exit(1);
});
