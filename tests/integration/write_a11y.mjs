#!/usr/bin/env node
// write_a11y.mjs: the web editor's pages in a real browser (Debian's
// Chromium, headless, driven by playwright-core from tests/browser's
// node_modules), checked with axe-core like the reader's pages
// (tests/browser/a11y.mjs); the passes themselves are tests/browser/flow.mjs's, but reached the way a person reaches them:
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

import { go, runFlow, submit } from '../browser/flow.mjs';

const MARKDOWN = '# Heading\n\nSome **bold** text and a table:\n\n| Task | Owner |\n|---|---|\n| Audit | Ana |\n\n'
	+ '- [x] done\n- [ ] to do\n\n~~paper~~ online, see https://www.gov.uk/service-manual\n';

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

runFlow('write_a11y.mjs', steps);
