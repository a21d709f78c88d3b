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

import { go, runFlow, submit } from '../browser/flow.mjs';

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

runFlow('digest_a11y.mjs', steps);
