/*
 * app.js - what every page shares: the language (localStorage muster.lang, the
 * dictionary in i18n.js), the API client (session cookie, CSRF header,
 * X-Muster-Lang, errors), sign-in and sign-out, the header, jobs with their
 * progress bar, and small DOM and number helpers.  No framework, no inline
 * handlers: the pages work under Content-Security-Policy: default-src 'self'.
 *
 * A page script calls Muster.page(init): the header is built, the session
 * fetched (the sign-in form shown first if there is none), then init(session).
 */
'use strict';

const Muster = (() => {
	const LANG_KEY = 'muster.lang';
	let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
	let session = null;
	let signingIn = null; /* the pending sign-in, shared by every request that needs it */
	/*
	 * Set once the page is being left: a request still running then is cut off
	 * by the browser (fetch rejects), which is no error of the page's.
	 */
	let leaving = false;
	addEventListener('beforeunload', () => {
		leaving = true;
	});
	addEventListener('pagehide', () => {
		leaving = true;
	});
	addEventListener('pageshow', () => {
		leaving = false;
	});
	const langHooks = [];

	/* ---- language ---------------------------------------------------------------------- */

	/* The dictionary's text for key in the current language, {0} {1}... filled from args. */
	function t(key, ...args) {
		const e = I18N[key];
		const s = e ? (e[lang] ?? e.zh) : key;
		return s.replace(/\{(\d+)\}/g, (_, i) => (args[i] === undefined || args[i] === null ? '' : String(args[i])));
	}
	function has(key) {
		return Object.prototype.hasOwnProperty.call(I18N, key);
	}
	/* A span that follows the language: text from the dictionary. */
	function tx(key, ...args) {
		const s = document.createElement('span');
		s.dataset.i18n = key;
		if (args.length)
			s.dataset.i18nArgs = JSON.stringify(args);
		s.textContent = t(key, ...args);
		return s;
	}
	/* A span that follows the language: text the server gave in both ({en, zh}). */
	function bi(en, zh) {
		const s = document.createElement('span');
		s.dataset.en = en ?? '';
		s.dataset.zh = zh ?? en ?? '';
		s.textContent = lang === 'en' ? s.dataset.en : s.dataset.zh;
		return s;
	}
	/* An enum value by its dictionary entry (prefix.value), else the value itself. */
	function tenum(prefix, v) {
		return has(prefix + '.' + v) ? tx(prefix + '.' + v) : document.createTextNode(v ?? '');
	}
	/* Re-renders every translated text and attribute under root. */
	function translate(root = document) {
		document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
		for (const e of root.querySelectorAll('[data-i18n]'))
			e.textContent = t(e.dataset.i18n, ...(e.dataset.i18nArgs ? JSON.parse(e.dataset.i18nArgs) : []));
		for (const e of root.querySelectorAll('[data-i18n-attr]'))
			for (const pair of e.dataset.i18nAttr.split(';')) {
				const [attr, key] = pair.split('=');
				e.setAttribute(attr.trim(), t(key.trim()));
			}
		for (const e of root.querySelectorAll('[data-en]'))
			e.textContent = lang === 'en' ? e.dataset.en : e.dataset.zh;
	}
	function setLang(l) {
		lang = l === 'en' ? 'en' : 'zh';
		localStorage.setItem(LANG_KEY, lang);
		translate();
		for (const f of langHooks)
			f(lang);
	}
	/* Pages whose text comes from the server in one language re-fetch it here. */
	function onLang(f) {
		langHooks.push(f);
	}

	/* ---- DOM helpers ------------------------------------------------------------------- */

	/* el('a', {href: 'x', class: 'y', text: 'z'}, child...): children may be strings, nodes, arrays, null. */
	function el(tag, attrs, ...kids) {
		const svg = ['svg', 'rect', 'text', 'line', 'g', 'title'].includes(tag) && attrs && attrs.svg !== false;
		const e = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === undefined || v === null || v === false || k === 'svg')
				continue;
			if (k === 'text')
				e.textContent = v;
			else if (k === 'i18n') {
				e.dataset.i18n = v;
				e.textContent = t(v);
			} else if (k === 'on')
				for (const [ev, f] of Object.entries(v))
					e.addEventListener(ev, f);
			else if (k === 'dataset')
				Object.assign(e.dataset, v);
			else if (k in e && !svg && typeof v !== 'string')
				e[k] = v;
			else
				e.setAttribute(k, v === true ? '' : v);
		}
		append(e, kids);
		return e;
	}
	function append(e, kids) {
		for (const k of kids.flat(Infinity))
			if (k !== null && k !== undefined && k !== false)
				e.append(k instanceof Node ? k : String(k));
		return e;
	}
	const $ = (sel, root = document) => root.querySelector(sel);
	function clear(e) {
		e.replaceChildren();
		return e;
	}
	/* A labelled input: {name, label (dictionary key), type, value, required, options:[[value, key]], list}. */
	let fieldSeq = 0;
	function field(f) {
		const id = f.id || 'f' + ++fieldSeq;
		let input;
		if (f.options) {
			input = el('select', {id, name: f.name, required: f.required});
			for (const [v, key] of f.options)
				input.append(el('option', {value: v, i18n: key ?? undefined, text: key ? undefined : v}));
			if (f.value !== undefined)
				input.value = f.value;
		} else {
			input = el('input', {id, name: f.name, type: f.type || 'text', required: f.required, autocomplete: 'off',
				list: f.list, min: f.min, max: f.max, inputmode: f.inputmode, placeholder: f.placeholder});
			if (f.value !== undefined && f.value !== null)
				input.value = f.value;
		}
		return el('div', {class: 'field'}, el('label', {for: id, i18n: f.label}), input);
	}

	/*
	 * A table of rows (row(x) makes a <tr>), cut at opts.limit rows with a
	 * button for the rest.  opts.stack: on a phone each row becomes one block,
	 * each cell but the first named by its column (CSS, data-label).
	 */
	function table(id, heads, rows, row, opts = {}) {
		const limit = opts.limit || Infinity;
		const body = el('tbody');
		const named = tr => {
			[...tr.children].forEach((td, i) => {
				if (i > 0 && heads[i]) {
					td.dataset.i18nAttr = 'data-label=' + heads[i];
					td.dataset.label = t(heads[i]);
				}
			});
			return tr;
		};
		const fill = k => body.replaceChildren(...rows.slice(0, k).map(x => named(row(x))));
		fill(limit);
		let more = null;
		if (rows.length > limit) {
			more = el('button', {type: 'button', class: 'more'}, tx('more', rows.length - limit));
			more.addEventListener('click', () => {
				fill(rows.length);
				more.remove();
			});
		}
		return el('div', {}, el('div', {class: 'scroll'}, el('table', {id, class: opts.stack ? 'stack' : undefined},
			el('thead', {}, el('tr', {}, heads.map(h => el('th', {i18n: h, class: opts.num && opts.num.includes(h) ? 'num' : undefined})))),
			body)), more);
	}

	/* ---- numbers and times ------------------------------------------------------------- */

	/* Integer fen as yuan with two decimals and grouping: 123456789 -> "1,234,567.89" (exact). */
	function yuan(fen) {
		if (fen === null || fen === undefined || fen === '')
			return '';
		const n = Math.round(Number(fen));
		const neg = n < 0;
		const a = Math.abs(n);
		const whole = String(Math.floor(a / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
		return (neg ? '-' : '') + whole + '.' + String(a % 100).padStart(2, '0');
	}
	/* "2026-12-02T06:32:16.791+08:00" -> "2026-12-02 06:32" (the server gives Beijing time). */
	function when(iso) {
		if (!iso)
			return '';
		const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
		return m ? m[1] + ' ' + m[2] : iso;
	}
	/* Today in Asia/Shanghai, YYYY-MM-DD. */
	function today() {
		return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
	}
	function percent(rate) {
		return (Number(rate) * 100).toFixed(1) + '%';
	}

	/* ---- the API ----------------------------------------------------------------------- */

	class ApiError extends Error {
		constructor(status, err, headers) {
			const e = err || {};
			super(e.detail || (e.message && (e.message[lang] || e.message.en)) || 'HTTP ' + status);
			this.status = status;
			this.code = e.code || 'http_' + status;
			this.detail = e.detail;
			this.messages = e.message;
			this.headers = headers;
		}
		/* The error for the page: the CLI's own line if there is one, else the message in both languages. */
		node() {
			if (this.detail)
				return document.createTextNode(this.detail);
			if (this.messages)
				return bi(this.messages.en, this.messages.zh);
			return tx('err.http', this.status);
		}
	}

	/* A URL with query parameters; arrays repeat, empty values are left out. */
	function url(path, params) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(params || {})) {
			for (const x of Array.isArray(v) ? v : [v])
				if (x !== undefined && x !== null && x !== '' && x !== false)
					q.append(k, x === true ? 'true' : String(x));
		}
		const s = q.toString();
		return s ? path + (path.includes('?') ? '&' : '?') + s : path;
	}

	/*
	 * One request.  Returns {status, data, exit, headers}.  401 no_session asks
	 * the person to sign in, then repeats the request once; a refused CSRF token
	 * is refreshed from the session and the request repeated once.
	 */
	async function request(method, path, body, retry = true) {
		const headers = {'X-Muster-Lang': lang, Accept: 'application/json'};
		if (method !== 'GET' && method !== 'HEAD' && session && session.csrf)
			headers['X-CSRF-Token'] = session.csrf;
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		let r;
		try {
			r = await fetch(path, {method, headers, credentials: 'same-origin', cache: 'no-store',
				body: body === undefined ? undefined : JSON.stringify(body)});
		} catch (e) {
			throw new ApiError(0, {code: 'network', message: {en: I18N['err.network'].en, zh: I18N['err.network'].zh}});
		}
		let data = null;
		if (r.status !== 204) {
			const text = await r.text();
			try {
				data = text ? JSON.parse(text) : null;
			} catch (e) {
				data = text;
			}
		}
		if (!r.ok) {
			const err = new ApiError(r.status, data && data.error, r.headers);
			const signIn = !(method === 'POST' && path === '/api/v1/session');
			if (retry && r.status === 401 && err.code !== 'bad_credentials' && signIn) { /* no_session, key_revoked */
				session = null;
				await needSignIn();
				return request(method, path, body, false);
			}
			if (retry && r.status === 403 && /csrf/i.test(err.code) && path !== '/api/v1/session') {
				session = (await request('GET', '/api/v1/session')).data;
				return request(method, path, body, false);
			}
			throw err;
		}
		const x = r.headers.get('X-Muster-Exit');
		return {status: r.status, data, exit: x === null ? 0 : Number(x), headers: r.headers};
	}
	const get = async (path, params) => (await request('GET', url(path, params))).data;
	/* GET /api/v1/cmd/NOUN[/VERB]: positional operands as args, the rest as options. */
	function cmdUrl(cmd, args, opts) {
		return url('/api/v1/cmd/' + cmd, Object.assign({args: args || []}, opts || {}));
	}
	const cmd = async (name, args, opts) => (await request('GET', cmdUrl(name, args, opts))).data;
	const cmdFull = (name, args, opts) => request('GET', cmdUrl(name, args, opts));
	/* POST /api/v1/cmd/NOUN/VERB with {"args":[...], option: value...}: a signed write. */
	async function post(name, args, opts) {
		const body = Object.assign({args: args || []}, opts || {});
		for (const k of Object.keys(body))
			if (body[k] === '' || body[k] === undefined || body[k] === null)
				delete body[k];
		return (await request('POST', '/api/v1/cmd/' + name, body)).data;
	}

	/*
	 * Offers the open inventory counts (count list) as suggestions for input,
	 * in a datalist beside it; quietly none if they cannot be read.
	 */
	async function openCounts(input) {
		let dl = document.getElementById(input.id + '-open');
		if (!dl) {
			dl = el('datalist', {id: input.id + '-open'});
			input.after(dl);
			input.setAttribute('list', dl.id);
		}
		try {
			const rows = await cmd('count/list');
			dl.replaceChildren(...rows.filter(c => c.open).map(c => el('option', {value: c.count, label: c.depot})));
		} catch (e) {
			dl.replaceChildren();
		}
	}

	/* ---- jobs -------------------------------------------------------------------------- */

	const sleep = ms => new Promise(r => setTimeout(r, ms));

	/*
	 * Runs a GET command as a job and shows it in box: a progress bar, the time
	 * taken, then the files to download, or the error.  Resolves to the finished
	 * job (state done or failed); never throws for a failed command.
	 */
	async function job(box, name, args, opts) {
		const bar = el('progress', {max: 1});
		const label = el('span', {class: 'muted'}, tx('job.starting'));
		const files = el('ul');
		const out = el('div', {class: 'msg', role: 'status'});
		clear(box).append(el('div', {class: 'job'}, el('label', {}, tx('job.progress')), bar, label, files, out));
		box.setAttribute('aria-busy', 'true');
		let j;
		try {
			const started = (await request('GET', cmdUrl(name, args, Object.assign({}, opts, {async: 1})))).data;
			for (;;) {
				j = (await request('GET', started.url)).data;
				if (j.progress && j.progress.total > 0) {
					bar.max = j.progress.total;
					bar.value = j.progress.done;
					label.replaceChildren(tx('job.progress_of', j.progress.done, j.progress.total, secs(j.elapsed_ms)));
				} else {
					bar.removeAttribute('value'); /* indeterminate */
					label.replaceChildren(tx('job.running', secs(j.elapsed_ms)));
				}
				if (j.state !== 'running')
					break;
				await sleep(500);
			}
		} catch (e) {
			box.removeAttribute('aria-busy');
			out.className = 'msg error';
			out.replaceChildren(e instanceof ApiError ? e.node() : String(e));
			return {state: 'failed', error: e};
		}
		box.removeAttribute('aria-busy');
		bar.max = 1;
		bar.value = 1;
		label.replaceChildren(tx(j.state === 'done' ? 'job.done' : 'job.failed', secs(j.elapsed_ms)));
		for (const f of (j.files || []).slice().sort((a, b) => a.name.localeCompare(b.name)))
			files.append(el('li', {}, el('a', {href: f.url, download: f.name, class: 'file'}, f.name),
				' ', el('span', {class: 'muted'}, tx('job.bytes', (f.bytes ?? 0).toLocaleString()))));
		if (j.state === 'failed') {
			out.className = 'msg error';
			out.replaceChildren(new ApiError(500, j.error).node());
		}
		return j;
	}
	function secs(ms) {
		return ((ms || 0) / 1000).toFixed(1);
	}

	/* ---- messages ---------------------------------------------------------------------- */

	/* Shows an error (an ApiError or anything else) or a success in box. */
	function say(box, what, kind) {
		box.className = 'msg ' + (kind || (what instanceof Error ? 'error' : 'ok'));
		box.setAttribute('role', box.className.includes('error') ? 'alert' : 'status');
		box.replaceChildren(what instanceof ApiError ? what.node() : what instanceof Error ? String(what.message) : what);
	}
	/* Runs f, showing its error in box; returns its value or undefined. */
	async function guard(box, f) {
		try {
			if (box)
				box.replaceChildren();
			return await f();
		} catch (e) {
			if (box)
				say(box, e);
			else if (!(leaving && e instanceof ApiError && e.code === 'network'))
				console.error(e);
			return undefined;
		}
	}

	/* ---- session, sign-in, header ------------------------------------------------------ */

	const PAGES = [
		{href: 'scan.html', key: 'nav.scan', desc: 'home.scan', roles: ['keeper', 'admin']},
		{href: 'depot.html', key: 'nav.depot', desc: 'home.depot', roles: ['keeper', 'admin', 'auditor']},
		{href: 'people.html', key: 'nav.people', desc: 'home.people', roles: ['hr', 'admin', 'keeper']},
		{href: 'audit.html', key: 'nav.audit', desc: 'home.audit', roles: ['auditor', 'finance', 'approver', 'admin']},
		{href: 'reports.html', key: 'nav.reports', desc: 'home.reports', roles: ['reporter', 'auditor', 'admin']},
	];
	/* The pages for the session's roles (all of them for a role we do not know). */
	function pagesFor(s) {
		const roles = (s && s.roles) || [];
		const mine = PAGES.filter(p => p.roles.some(r => roles.includes(r)));
		return mine.length ? mine : PAGES;
	}
	function hasRole(...roles) {
		return !!session && (session.roles || []).some(r => roles.includes(r));
	}

	function header() {
		let top = $('#top');
		if (!top)
			document.body.prepend(top = el('header', {id: 'top'}));
		const here = location.pathname.split('/').pop() || 'index.html';
		const nav = el('nav', {'aria-label': t('nav.label'), 'data-i18n-attr': 'aria-label=nav.label'});
		if (session)
			for (const p of pagesFor(session))
				nav.append(el('a', {href: p.href, i18n: p.key, 'aria-current': p.href === here ? 'page' : undefined}));
		const langBtn = el('button', {type: 'button', id: 'lang', i18n: 'lang.switch', lang: lang === 'en' ? 'zh-CN' : 'en',
			on: {click: () => {
				setLang(lang === 'en' ? 'zh' : 'en');
				langBtn.lang = lang === 'en' ? 'zh-CN' : 'en';
			}}});
		const tools = el('div', {class: 'tools'});
		if (session) {
			tools.append(el('span', {class: 'who', id: 'who'}, tx('hdr.signed_in', session.name),
				' (', (session.roles || []).map((r, i) => [i ? ', ' : '', tenum('role', r)]).flat(), ')'));
			tools.append(el('button', {type: 'button', id: 'signout', i18n: 'hdr.signout', on: {click: signOut}}));
		}
		tools.append(langBtn);
		const parts = [el('a', {class: 'brand', href: 'index.html', i18n: 'app.name'}), tools, nav];
		clear(top).append(...parts);
	}

	async function signOut() {
		for (let i = 0; i < 2; i++) {
			try {
				await request('DELETE', '/api/v1/session', undefined, false);
				break;
			} catch (e) {
				/* A stale CSRF token is fetched again; an ended session is signed out already. */
				if (!(e.status === 403 && /csrf/i.test(e.code)) || i)
					break;
				session = (await request('GET', '/api/v1/session', undefined, false).catch(() => ({data: null}))).data;
				if (!session)
					break;
			}
		}
		session = null;
		location.assign('index.html');
	}

	/* Shows the sign-in form in place of the page until someone signs in; resolves to the session. */
	function needSignIn() {
		if (signingIn)
			return signingIn;
		signingIn = new Promise(resolve => {
			const page = $('#page');
			if (page)
				page.hidden = true;
			header();
			const msg = el('div', {class: 'msg', id: 'signin-msg', 'aria-live': 'polite'});
			const name = field({name: 'name', label: 'signin.name', required: true, id: 'signin-name'});
			const pass = field({name: 'passphrase', label: 'signin.pass', type: 'password', required: true, id: 'signin-pass'});
			pass.querySelector('input').autocomplete = 'current-password';
			name.querySelector('input').autocomplete = 'username';
			const btn = el('button', {type: 'submit', class: 'primary', i18n: 'signin.submit'});
			const form = el('form', {id: 'signin-form', class: 'card signin', 'aria-labelledby': 'signin-h'},
				el('h1', {id: 'signin-h', i18n: 'signin.title'}), el('p', {class: 'muted', i18n: 'signin.hint'}),
				name, pass, btn, msg);
			const sec = el('section', {id: 'signin'}, form);
			$('main').prepend(sec);
			name.querySelector('input').focus();
			form.addEventListener('submit', async ev => {
				ev.preventDefault();
				btn.disabled = true;
				msg.replaceChildren();
				try {
					const r = await request('POST', '/api/v1/session', {
						name: name.querySelector('input').value.trim(),
						passphrase: pass.querySelector('input').value,
					}, false);
					session = r.data;
					sec.remove();
					if (page)
						page.hidden = false;
					header();
					signingIn = null;
					resolve(session);
				} catch (e) {
					pass.querySelector('input').value = '';
					if (e.status === 429) {
						const wait = Number(e.headers && e.headers.get('Retry-After')) || 30;
						say(msg, tx('signin.wait', wait), 'error');
						setTimeout(() => {
							btn.disabled = false;
						}, wait * 1000);
						return;
					}
					say(msg, e.code === 'bad_credentials' ? tx('signin.bad') : e instanceof ApiError ? e.node() : String(e), 'error');
				}
				btn.disabled = false;
			});
		});
		return signingIn;
	}

	/* The page's entry: header, session (signing in first if need be), then init(session). */
	async function page(init) {
		translate();
		header();
		const page = $('#page');
		try {
			session = (await request('GET', '/api/v1/session')).data;
		} catch (e) {
			const box = el('div', {class: 'msg error', role: 'alert'});
			$('main').prepend(box);
			say(box, e);
			return;
		}
		header();
		if (page)
			page.hidden = false;
		try {
			await init(session);
		} finally {
			document.body.dataset.ready = 'true'; /* for tests: the page has loaded what it shows first */
		}
	}

	return {
		t, tx, bi, tenum, has, translate, setLang, onLang, get lang() { return lang; },
		el, append, $, clear, field, table, yuan, when, today, percent,
		ApiError, url, request, get, cmd, cmdFull, cmdUrl, post, job, say, guard, sleep, openCounts,
		page, hasRole, pagesFor, get session() { return session; },
	};
})();
