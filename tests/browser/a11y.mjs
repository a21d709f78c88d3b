#!/usr/bin/env node
// a11y.mjs: crier's pages in a real browser (Debian's Chromium, headless,
// driven by playwright-core), checked with axe-core and by hand-written
// keyboard and layout checks.  Prints TAP on stdout; exits 1 if a check failed.
//
//   node a11y.mjs --base http://127.0.0.1:PORT [--out DIR] [--json FILE]
//                 [--chromium /usr/bin/chromium] [--search WORD] PAGE...
//
// PAGE is a path ("/tag/weeknotes"), or STATUS:PATH ("404:/no/such/page")
// for a page that must answer with that status; any other page must be 200.
// --out saves full-page screenshots (NAME-SCHEME-WIDTH.png) there; --json
// writes every result, axe's included; --search WORD submits the search
// form with JavaScript off (on the first page with one that does not show
// that query already).
//
// One browser, three passes over the pages, each in its own context:
//   axe       at 320 and 1280 px, light and dark: axe-core's WCAG 2.0/2.1/2.2
//             A and AA rules (in dark, only those that read colours unless
//             the layout differs from light's), no horizontal scrolling at
//             320 px, screenshots
//   keyboard  the real page under crier's CSP: the skip link, a visible focus
//             indicator on every focusable element, no console errors, no
//             requests to other origins (except images in posts)
//   no-js     JavaScript disabled: the page renders, has no script, and the
//             search form works
// Requests to other origins never leave the machine: images are answered
// with a placeholder, everything else is aborted and reported.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];   // the A/AA rules that read colours
const WIDTHS = [320, 1280];
const HEIGHT = { 320: 640, 1280: 900 };
const REAL_TABS = 6;            // focusable elements reached by pressing Tab per page
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--disable-dev-shm-usage', '--force-color-profile=srgb', '--font-render-hinting=none',
	'--lang=en-GB'];
const PLACEHOLDER_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450" viewBox="0 0 800 450">'
	+ '<rect width="800" height="450" fill="#b1b4b6"/><path d="M0 450L260 200L430 370L560 260L800 450Z" fill="#6f777b"/>'
	+ '<circle cx="620" cy="120" r="50" fill="#f3f2f1"/></svg>';

// ---------------------------------------------------------------- TAP

class Tap {
	constructor() { this.n = 0; this.failed = 0; }
	ok(pass, name, diag) {
		this.n++;
		console.log(`${pass ? 'ok' : 'not ok'} ${this.n} - ${name.replace(/\s+/g, ' ')}`);
		if (!pass) {
			this.failed++;
			for (const line of String(diag ?? '').split('\n'))
				if (line) console.log('#   ' + line);
		}
		return pass;
	}
	comment(msg) {
		for (const line of String(msg).split('\n'))
			console.log('# ' + line);
	}
	done() {
		console.log(`1..${this.n}`);
		return this.failed ? 1 : 0;
	}
}

// ---------------------------------------------------------------- arguments

function parsePages(list) {
	return list.map((arg) => {
		const m = /^(\d{3}):(\/.*)$/.exec(arg);
		const path = m ? m[2] : arg;
		if (!path.startsWith('/'))
			throw new Error(`a page is a path starting with "/": ${arg}`);
		return { path, status: m ? Number(m[1]) : 200, name: pageName(path) };
	});
}

// "/" -> "river", "/search?q=parking" -> "search-q-parking"
function pageName(path) {
	const s = path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
	return s === '' ? 'river' : s.slice(0, 60);
}

// ---------------------------------------------------------------- in the page

// Runs in the page: where the page is wider than the viewport, and which
// elements stick out (outside any scrolling box).
function overflowInPage() {
	const width = window.innerWidth;
	const doc = document.documentElement.scrollWidth;
	const offenders = [];
	if (doc > width) {
		const scrolls = (el) => {
			for (let p = el.parentElement; p; p = p.parentElement) {
				const ox = getComputedStyle(p).overflowX;
				if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip')
					return true;
			}
			return false;
		};
		for (const el of document.body.querySelectorAll('*')) {
			if (el.getBoundingClientRect().right > width + 0.5 && !scrolls(el))
				offenders.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
					+ (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''));
			if (offenders.length >= 8)
				break;
		}
	}
	return { innerWidth: width, scrollWidth: doc, offenders };
}

const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';

// Runs in the page (self-contained: page.evaluate sends its source), on the
// elements matching sel (FOCUSABLE), in document order:
//   "styles"  how each looks: the computed styles a focus indicator changes
//   "active"  what has the focus: its index, where it is, how it looks
//   "all"     focuses each in turn (after a real Tab, Chromium keeps
//             :focus-visible for script focus) and lists those that look
//             the same as in `unfocused` (from "styles")
function focusProbe({ op, sel, unfocused }) {
	const all = [...document.querySelectorAll(sel)];
	// an outline that cannot be seen (none, or transparent: the forced-
	// colours fallback) does not count
	const styleOf = (el) => {
		const cs = getComputedStyle(el);
		const seen = cs.outlineStyle !== 'none' && !/^(transparent|rgba\(.*,\s*0\))$/.test(cs.outlineColor);
		const outline = seen ? `outline:${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor} ${cs.outlineOffset}` : 'outline:none';
		return [outline].concat(['box-shadow', 'background-color', 'color', 'text-decoration-line',
			'text-decoration-color', 'border-color', 'transform']
			.map((p) => `${p}:${cs.getPropertyValue(p)}`)).join(';');
	};
	const describe = (el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '')
		+ ' "' + (el.textContent || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40) + '"';
	if (op === 'styles')
		return all.map(styleOf);
	if (op === 'active') {
		const el = document.activeElement;
		if (!el || el === document.body)
			return null;
		const r = el.getBoundingClientRect();
		return {
			index: all.indexOf(el), what: describe(el), style: styleOf(el), href: el.getAttribute('href'),
			rect: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
			viewport: { width: window.innerWidth, height: window.innerHeight },
		};
	}
	const bad = [];
	let checked = 0;
	all.forEach((el, i) => {
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0)
			return;     // not rendered (e.g. inside a closed <details>)
		el.focus();
		if (document.activeElement !== el)
			return;
		checked++;
		if (!el.matches(':focus-visible'))
			bad.push(`${describe(el)}: script focus did not match :focus-visible (the check cannot judge)`);
		else if (styleOf(el) === unfocused[i])
			bad.push(`${describe(el)}: looks the same with and without focus`);
	});
	return { checked, bad };
}

// ---------------------------------------------------------------- helpers

function describeViolations(violations) {
	return violations.map((v) => {
		const targets = v.nodes.slice(0, 5).map((n) => '    ' + n.target.join(' ')
			+ (n.failureSummary ? ' — ' + n.failureSummary.split('\n').slice(1).join(' ').trim().slice(0, 200) : ''));
		if (v.nodes.length > 5)
			targets.push(`    ... and ${v.nodes.length - 5} more`);
		return `${v.id} (${v.impact}): ${v.help}\n  ${v.helpUrl}\n${targets.join('\n')}`;
	}).join('\n');
}

function visibleIn(rect, viewport) {
	return rect.right > 0 && rect.bottom > 0 && rect.left < viewport.width && rect.top < viewport.height
		&& rect.right - rect.left >= 1 && rect.bottom - rect.top >= 1;
}

// Every context: requests to other origins are recorded and kept local.
async function guardOrigins(context, base, record) {
	await context.route('**/*', (route) => {
		const req = route.request();
		const url = new URL(req.url());
		if (url.origin === base.origin)
			return route.continue();
		record.push({ url: req.url(), type: req.resourceType() });
		if (req.resourceType() === 'image')
			return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PLACEHOLDER_SVG });
		return route.abort('blockedbyclient');
	});
}

// Collects what a page complains about (console errors, uncaught errors,
// same-origin resources that failed) in current().errors: current() is the
// result of the page being visited.  An error page (404) logging its own
// status is expected.
function watchErrors(page, base, current) {
	const complain = (msg) => current().errors.push(msg);
	page.on('console', (m) => {
		const own = current().expect >= 400 && m.location().url === page.url()
			&& m.text().includes(`status of ${current().expect}`);
		if (m.type() === 'error' && !own)
			complain(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => complain(`pageerror: ${e.message}`));
	page.on('response', (r) => {
		const req = r.request();
		if (new URL(r.url()).origin === base.origin && req.resourceType() !== 'document' && r.status() >= 400)
			complain(`HTTP ${r.status()} for ${r.url()}`);
	});
	page.on('requestfailed', (req) => {
		// ERR_ABORTED: cancelled by leaving the page (say, the favicon)
		if (new URL(req.url()).origin === base.origin && req.failure()?.errorText !== 'net::ERR_ABORTED')
			complain(`request failed: ${req.url()} (${req.failure()?.errorText})`);
	});
}

// ---------------------------------------------------------------- passes

// axe must be told the rules ran at all: a page with known violations.
async function axeControl(t, browser, axeSource) {
	const ctx = await browser.newContext({ bypassCSP: true });
	const page = await ctx.newPage();
	await page.setContent('<html><head><title>control</title></head><body><main><img src="data:,">'
		+ '<p style="color:#999;background:#aaa">low contrast</p><a href="#x"></a></main></body></html>');
	await page.addScriptTag({ content: axeSource });
	const r = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
	const ids = r.violations.map((v) => v.id).sort();
	t.ok(['color-contrast', 'html-has-lang', 'image-alt', 'link-name'].every((id) => ids.includes(id)),
		'control: axe-core reports the violations of a known-bad page', `got: ${ids.join(', ')}`);
	await ctx.close();
}

async function axePass(t, browser, base, pages, axeSource, opts, results) {
	// bypassCSP: crier's CSP (script-src 'self') would block the injected
	// axe-core script.  The keyboard and no-js passes keep the real CSP.
	const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
	const offOrigin = [];
	await guardOrigins(ctx, base, offOrigin);
	const page = await ctx.newPage();
	for (const p of pages) {
		const res = results.get(p.path);
		const resp = await page.goto(base.origin + p.path, { waitUntil: 'load' });
		res.status = resp?.status();
		t.ok(res.status === p.status, `${p.path}: answers ${p.status}`, `got: ${res.status}`);
		await page.addScriptTag({ content: axeSource });
		for (const width of WIDTHS) {
			const lightLayout = await axeCombo(t, page, p, { scheme: 'light', width }, null, opts, res);
			await axeCombo(t, page, p, { scheme: 'dark', width }, lightLayout, opts, res);
		}
	}
	await ctx.close();
	return offOrigin;
}

// Runs in the page: a fingerprint of the layout (size and what is shown).
function layoutInPage() {
	const el = document.documentElement;
	const shown = [...document.body.querySelectorAll('*')].filter((e) => e.checkVisibility()).length;
	return `${el.scrollWidth}x${el.scrollHeight}, ${shown} elements shown`;
}

// axe at one width in one colour scheme.  The dark scheme runs every rule
// only when it changes the layout; otherwise just the rules that judge
// colour (the others judge the DOM and the layout, which light has passed).
// Returns the layout fingerprint.
async function axeCombo(t, page, p, combo, lightLayout, opts, res) {
	const where = `${p.path} (${combo.scheme}, ${combo.width} px)`;
	await page.emulateMedia({ colorScheme: combo.scheme });
	await page.setViewportSize({ width: combo.width, height: HEIGHT[combo.width] });
	const layout = await page.evaluate(layoutInPage);
	const runOnly = layout === lightLayout ? { type: 'rule', values: COLOUR_RULES } : { type: 'tag', values: AXE_TAGS };
	combo.rules = runOnly.type === 'rule' ? 'colour' : 'all';
	const t0 = Date.now();
	const r = await page.evaluate((only) => window.axe.run(document, { runOnly: only, resultTypes: ['violations'] }), runOnly);
	combo.axe_ms = Date.now() - t0;
	combo.violations = r.violations;
	combo.incomplete = r.incomplete.map((i) => i.id);
	res.combos.push(combo);
	t.ok(r.violations.length === 0, `axe: ${where} has no WCAG 2.2 A/AA violations (${combo.rules === 'all' ? 'all rules' : 'colour rules'})`,
		describeViolations(r.violations));
	if (combo.width <= 320) {
		const o = await page.evaluate(overflowInPage);
		combo.overflow = o;
		t.ok(o.scrollWidth <= o.innerWidth, `${where}: no horizontal scrolling`,
			`document is ${o.scrollWidth} px wide in a ${o.innerWidth} px viewport; sticking out: ${o.offenders.join(', ')}`);
	}
	if (opts.out) {
		const t1 = Date.now();
		await page.screenshot({ path: join(opts.out, `${p.name}-${combo.scheme}-${combo.width}.png`), fullPage: true });
		combo.screenshot_ms = Date.now() - t1;
	}
	return layout;
}

// Presses Tab and describes what took the focus (null: nothing did).
async function tab(page) {
	const frames = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
	await page.keyboard.press('Tab');
	// the browser scrolls the focused element into view; on a loaded
	// machine that can take more than a frame, so look a few times before
	// calling it off screen (an element that never comes into view still fails)
	let a = null;
	for (let i = 0; i < 10; i++) {
		await frames();
		a = await page.evaluate(focusProbe, { op: 'active', sel: FOCUSABLE });
		if (!a || visibleIn(a.rect, a.viewport))
			break;
	}
	return a;
}

// The skip link: the first Tab reaches it, it shows, and following it moves
// the keyboard to the start of main.  Then realTabs more Tabs, and every
// other focusable element focused in turn: each must look different with
// the focus than without it, and a Tab must keep it on screen.
async function keyboardPage(t, page, p, where, realTabs, opts) {
	const unfocused = await page.evaluate(focusProbe, { op: 'styles', sel: FOCUSABLE });
	const focusBad = [];
	const judge = (a) => {
		if (!a)
			return;
		if (a.index >= 0 && unfocused[a.index] === a.style)
			focusBad.push(`${a.what}: looks the same with and without focus`);
		if (!visibleIn(a.rect, a.viewport))
			focusBad.push(`${a.what}: focused but off screen ${JSON.stringify(a.rect)}`);
	};

	const first = await tab(page);
	const isSkip = !!first && /skip/i.test(first.what) && first.href === '#main';
	t.ok(isSkip && visibleIn(first.rect, first.viewport), `${where}: the first Tab shows a skip link to #main`,
		JSON.stringify(first));
	judge(first);
	if (opts.out && p.name === 'river')
		await page.screenshot({ path: join(opts.out, `focus-skip-link-${where.replace(/\W+/g, '-')}.png`) });
	await page.keyboard.press('Enter');
	const next = await tab(page);
	// Tab goes on from the start of main: to main's first focusable element
	// (or something focusable before it, such as a scrolling box), or past
	// main when it has none
	const verdict = await page.evaluate((sel) => {
		const main = document.getElementById('main');
		const a = document.activeElement;
		const fromMain = (el) => main.contains(el) || !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
		const first = [...document.querySelectorAll(sel)].find(fromMain);
		const ok = !!a && a !== document.body && fromMain(a)
			&& (!first || a === first || !!(a.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING));
		return { ok, hash: location.hash, want: first ? first.outerHTML.slice(0, 100) : 'nothing' };
	}, FOCUSABLE);
	t.ok(isSkip && verdict.hash === '#main' && verdict.ok, `${where}: after the skip link, Tab goes on from the start of main`,
		`hash ${verdict.hash}; focused ${JSON.stringify(next)}; want ${verdict.want}`);
	judge(next);
	let seen = 2;
	for (let i = 0; i < realTabs; i++) {
		const a = await tab(page);
		if (!a)
			break;  // left the document
		seen++;
		judge(a);
		if (opts.out && p.name === 'river' && i === 1)
			await page.screenshot({ path: join(opts.out, `focus-link-${where.replace(/\W+/g, '-')}.png`) });
	}
	const all = await page.evaluate(focusProbe, { op: 'all', sel: FOCUSABLE, unfocused });
	focusBad.push(...all.bad);
	t.ok(focusBad.length === 0, `${where}: focus is visible on all ${all.checked} focusable elements (${seen} reached by Tab)`,
		focusBad.join('\n'));
}

async function keyboardPass(t, browser, base, pages, opts, results) {
	// the second round only to see the focus in the dark scheme, on a phone
	const combos = [{ scheme: 'light', width: 1280, tabs: REAL_TABS }, { scheme: 'dark', width: 320, tabs: 0 }];
	const offOrigin = [];
	for (const c of combos) {
		const ctx = await browser.newContext({ viewport: { width: c.width, height: HEIGHT[c.width] }, colorScheme: c.scheme });
		await guardOrigins(ctx, base, offOrigin);
		const page = await ctx.newPage();
		let current = null;
		watchErrors(page, base, () => current);
		for (const p of pages) {
			current = results.get(p.path);
			await page.goto(base.origin + p.path, { waitUntil: 'load' });
			await keyboardPage(t, page, p, `${p.path} (keyboard, ${c.scheme}, ${c.width} px)`, c.tabs, opts);
		}
		await ctx.close();
	}
	return offOrigin;
}

async function noJsPass(t, browser, base, pages, opts, results) {
	const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
	const offOrigin = [];
	await guardOrigins(ctx, base, offOrigin);
	const page = await ctx.newPage();
	let current = null;
	watchErrors(page, base, () => current);
	let searched = !opts.search;
	for (const p of pages) {
		current = results.get(p.path);
		const where = `${p.path} (JavaScript off)`;
		const resp = await page.goto(base.origin + p.path, { waitUntil: 'load' });
		const shape = await page.evaluate(() => ({
			scripts: document.querySelectorAll('script').length,
			h1: document.querySelector('main#main h1')?.textContent.trim() ?? null,
			stylesheets: document.styleSheets.length,
		}));
		t.ok(resp?.status() === p.status && shape.h1 && shape.scripts === 0 && shape.stylesheets > 0,
			`${where}: renders with its heading and stylesheet, without script`, JSON.stringify(shape));
		const shows = new URL(page.url()).searchParams.get('q');
		if (!searched && shows !== opts.search && await page.locator('form[role=search] input[type=search]').count() > 0) {
			searched = true;
			await page.locator('form[role=search] input[type=search]').fill(opts.search);
			await Promise.all([
				page.waitForURL((u) => u.searchParams.get('q') === opts.search, { waitUntil: 'load' }),
				page.keyboard.press('Enter'),
			]);
			const marks = await page.locator('main mark').count();
			t.ok(new URL(page.url()).searchParams.get('q') === opts.search && marks > 0,
				`${where}: the search form works without JavaScript`, `${page.url()}: ${marks} highlighted matches`);
		}
	}
	if (!searched)
		t.ok(false, 'the search form works without JavaScript', 'no page had a search form');
	await ctx.close();
	return offOrigin;
}

// ---------------------------------------------------------------- main

async function main() {
	const { values, positionals } = parseArgs({
		allowPositionals: true,
		options: {
			base: { type: 'string' }, out: { type: 'string' }, json: { type: 'string' },
			chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
			search: { type: 'string' },
		},
	});
	if (!values.base || positionals.length === 0) {
		console.error('usage: node a11y.mjs --base URL [--out DIR] [--json FILE] [--chromium PATH] [--search WORD] PAGE...');
		return 2;
	}
	const base = new URL(values.base);
	const pages = parsePages(positionals);
	const t = new Tap();
	const started = Date.now();
	if (values.out)
		await mkdir(values.out, { recursive: true });
	const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
	const results = new Map(pages.map((p) => [p.path, {
		path: p.path, expect: p.status, status: null, combos: [], errors: [],
	}]));

	const browser = await chromium.launch({ executablePath: values.chromium, args: LAUNCH_ARGS, timeout: 30000 });
	let offOrigin = [];
	try {
		t.comment(`Chromium ${browser.version()}, axe-core ${JSON.parse(await readFile(
			createRequire(import.meta.url).resolve('axe-core/package.json'), 'utf8')).version}`);
		await axeControl(t, browser, axeSource);
		const timed = async (name, run) => {
			const t0 = Date.now();
			offOrigin = offOrigin.concat(await run());
			t.comment(`${name} pass: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
		};
		await timed('axe', () => axePass(t, browser, base, pages, axeSource, values, results));
		await timed('keyboard', () => keyboardPass(t, browser, base, pages, values, results));
		await timed('no-js', () => noJsPass(t, browser, base, pages, values, results));
	} finally {
		await browser.close();
	}

	for (const p of pages) {
		const r = results.get(p.path);
		t.ok(r.errors.length === 0, `${p.path}: no console errors, failed requests or CSP reports`,
			[...new Set(r.errors)].join('\n'));
	}
	const notImages = offOrigin.filter((r) => r.type !== 'image' && r.type !== 'media');
	t.ok(notImages.length === 0, 'no requests to other origins (except images in posts)',
		[...new Set(notImages.map((r) => `${r.type} ${r.url}`))].join('\n'));
	const seconds = (Date.now() - started) / 1000;
	t.comment(`${pages.length} pages in ${seconds.toFixed(1)} s; ${new Set(offOrigin.map((r) => r.url)).size}`
		+ ' off-origin images answered with a placeholder');
	if (values.json)
		await writeFile(values.json, JSON.stringify({ seconds, pages: [...results.values()], offOrigin }, null, 1));
	return t.done();
}

main().then((rc) => { process.exitCode = rc; }, (e) => {
	console.log(`not ok - a11y.mjs stopped: ${String(e.message).split('\n')[0]}`);
	for (const line of String(e.stack).split('\n'))
		console.log('#   ' + line);
	process.exitCode = 1;
});
