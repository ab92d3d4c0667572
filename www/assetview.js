/*
 * assetview.js - one asset on screen, shared by scan.html and asset.html: its
 * fields, readiness and inspections (GET /api/v1/cmd/asset/show, which takes
 * a label payload or an id alike), the actions its state allows (each one
 * signed write, POST /api/v1/cmd/...), and its history (GET /api/v1/assets/ID)
 * with the step just taken marked.
 */
'use strict';

const AssetView = (() => {
	const {el, tx, tenum, clear, field, yuan, when, say} = Muster;
	const LAST = 'muster.last.'; /* the values last typed into an action's form */
	const COUNT = 'muster.count'; /* the inventory count being scanned into, if any */

	const purposes = [['drill', 'purpose.drill'], ['training', 'purpose.training'], ['loan', 'purpose.loan'], ['mission', 'purpose.mission']];
	const results = [['pass', 'result.pass'], ['fail', 'result.fail'], ['adjusted', 'result.adjusted']];
	const live = ['in_depot', 'checked_out', 'in_repair', 'transfer_pending', 'requisitioned'];

	/* What can be done to an asset in each state; fields become a small form, none means one tap. */
	const ACTIONS = [
		{id: 'checkout', states: ['in_depot'], cmd: 'asset/checkout', primary: true, fields: [
			{name: 'holder', label: 'f.holder', required: true},
			{name: 'purpose', label: 'f.purpose', options: purposes, required: true},
			{name: 'deployment', label: 'f.deployment', list: 'deployments', when: v => v.purpose === 'mission'},
		]},
		{id: 'return', states: ['checked_out'], cmd: 'asset/return', primary: true},
		{id: 'repair_out', states: ['in_depot'], cmd: 'asset/repair-out', fields: [
			{name: 'vendor', label: 'f.vendor', required: true},
		]},
		{id: 'repair_back', states: ['in_repair'], cmd: 'asset/repair-back', primary: true},
		{id: 'inspect', states: ['in_depot', 'checked_out', 'in_repair'], cmd: 'inspect/record', fields: [
			{name: 'kind', label: 'f.kind', required: true, list: 'kinds'},
			{name: 'result', label: 'f.result', options: results, required: true},
			{name: 'inspector', label: 'f.inspector', required: true},
		]},
		{id: 'handover', states: ['in_depot'], cmd: 'asset/handover', fields: [
			{name: 'to-team', label: 'f.to_team', required: true, list: 'teams'},
		]},
		{id: 'accept', states: ['transfer_pending'], cmd: 'asset/accept', primary: true},
		{id: 'count', states: live, cmd: 'count/scan', count: true},
	];

	function currentCount() {
		return localStorage.getItem(COUNT) || '';
	}
	function setCount(id) {
		if (id)
			localStorage.setItem(COUNT, id);
		else
			localStorage.removeItem(COUNT);
	}

	/* Field rows of an asset, in this order; value (fen) as yuan. */
	const SHOWN = ['id', 'type', 'model', 'state', 'holder', 'purpose', 'deployment', 'team', 'depot', 'serial', 'maker',
		'category', 'acquired', 'value', 'funding', 'owner', 'label'];
	function fieldValue(k, v) {
		if (k === 'state')
			return tenum('state', v);
		if (k === 'purpose')
			return tenum('purpose', v);
		if (k === 'funding')
			return tenum('funding', v);
		if (k === 'result')
			return tenum('result', v);
		if (k === 'value' || k === 'amount')
			return '¥' + yuan(v);
		if (v && typeof v === 'object')
			return Array.isArray(v) ? v.join(', ') : Object.entries(v).map(([a, b]) => a + '=' + b).join(', ');
		return String(v);
	}
	function fieldName(k) {
		return Muster.has('field.' + k) ? tx('field.' + k) : k;
	}

	function readiness(a) {
		if (a.ready)
			return el('span', {class: 'badge ok', id: 'ready'}, tx('ready.yes'));
		return el('span', {class: 'badge bad', id: 'ready'}, tx('ready.no'), ': ',
			(a.not_ready || []).map((w, i) => [i ? ', ' : '', tenum('notready', w)]));
	}

	function inspections(a) {
		const list = a.inspections || [];
		if (!list.length)
			return el('p', {class: 'muted', i18n: 'insp.none'});
		return el('div', {class: 'scroll'}, el('table', {},
			el('thead', {}, el('tr', {}, ['insp.kind', 'insp.last', 'insp.result', 'insp.due'].map(k => el('th', {i18n: k})))),
			el('tbody', {}, list.map(i => el('tr', {},
				el('td', {text: i.kind}), el('td', {text: i.last || '—'}),
				el('td', {}, i.result ? tenum('result', i.result) : '—'),
				el('td', {}, i.due || '—', i.overdue ? [' ', el('span', {class: 'badge bad'}, tx('insp.overdue'))] : null))))));
	}

	/* The newest HISTORY entries first, a button for the rest. */
	const HISTORY = 15;
	function history(list, mark) {
		const rows = [...list].reverse();
		const row = e => el('tr', {class: e.index === mark ? 'new' : undefined, dataset: {index: e.index, type: e.type}},
			el('td', {class: 'num', text: String(e.index)}),
			el('td', {text: when(e.time)}),
			el('td', {}, tenum('event', e.type)),
			el('td', {text: e.holder || e.signer}),
			el('td', {}, e.signature_ok ? el('span', {class: 'badge ok'}, tx('hist.sig_ok')) : el('span', {class: 'badge bad'}, tx('hist.sig_bad'))),
			el('td', {class: 'muted wide'}, Object.entries(e.fields || {}).filter(([k]) => k !== 'id')
				.map(([k, v], i) => [i ? '; ' : '', fieldName(k), ': ', fieldValue(k, v)])));
		const body = el('tbody', {}, rows.slice(0, HISTORY).map(row));
		let more = null;
		if (rows.length > HISTORY) {
			more = el('button', {type: 'button', class: 'more'}, tx('more', rows.length - HISTORY));
			more.addEventListener('click', () => {
				body.replaceChildren(...rows.map(row));
				more.remove();
			});
		}
		return el('div', {}, el('div', {class: 'scroll'}, el('table', {id: 'history', class: 'stack'},
			el('caption', {class: 'muted', i18n: 'hist.caption'}),
			el('thead', {}, el('tr', {}, ['hist.index', 'hist.time', 'hist.event', 'hist.by', 'hist.sig', 'hist.fields'].map(k => el('th', {i18n: k})))),
			body)), more);
	}

	/*
	 * An asset view in box.  opts.onDone(result) runs after each successful
	 * action (the scan page puts the focus back in its input).
	 */
	function create(box, opts = {}) {
		let current = null;

		async function show(ref, mark) {
			const a = await Muster.cmd('asset/show', [ref]);
			const h = await Muster.get('/api/v1/assets/' + encodeURIComponent(a.id));
			current = a;
			render(a, h.history || [], mark);
			return a;
		}

		function render(a, hist, mark) {
			const dl = el('dl', {class: 'fields', id: 'asset-fields'});
			for (const k of SHOWN)
				if (a[k] !== undefined && a[k] !== null)
					dl.append(el('dt', {}, fieldName(k)), el('dd', {dataset: {field: k}}, fieldValue(k, a[k])));
			if (a.attr)
				for (const [k, v] of Object.entries(a.attr))
					dl.append(el('dt', {text: k}), el('dd', {text: v}));
			const msg = el('div', {class: 'msg', id: 'action-msg', 'aria-live': 'polite'});
			/* Actions first: after a scan the keeper wants the button, then the details. */
			clear(box).append(
				el('section', {class: 'card', 'aria-labelledby': 'asset-h'},
					el('h2', {id: 'asset-h'}, a.id, ' ', el('span', {class: 'muted', text: a.type || ''})),
					el('p', {}, tx('ready.label'), ' ', readiness(a)),
					el('h3', {id: 'act-h', i18n: 'act.title'}), actions(a, msg), msg),
				el('section', {class: 'card', 'aria-labelledby': 'fields-h'},
					el('h2', {id: 'fields-h', i18n: 'asset.fields'}), dl,
					el('h3', {i18n: 'insp.title'}), inspections(a)),
				el('section', {class: 'card', 'aria-labelledby': 'hist-h'},
					el('h2', {id: 'hist-h', i18n: 'hist.title'}), history(hist, mark)));
		}

		function actions(a, msg) {
			if (!Muster.hasRole('keeper', 'admin'))
				return el('p', {class: 'muted', i18n: 'act.no_role'});
			const bar = el('div', {class: 'actions', role: 'group', 'aria-labelledby': 'act-h'});
			const formBox = el('div');
			const count = currentCount();
			for (const act of ACTIONS) {
				if (!act.states.includes(a.state) || (act.count && !count))
					continue;
				const label = act.count ? tx('act.count', count) : tx('act.' + act.id);
				const b = el('button', {type: 'button', class: act.primary ? 'primary' : undefined, dataset: {action: act.id}}, label);
				b.addEventListener('click', () => {
					if (act.fields)
						openForm(act, a, formBox, msg);
					else
						commit(act, a, {}, msg, b);
				});
				bar.append(b);
			}
			if (!bar.childElementCount)
				return el('p', {class: 'muted'}, tx('act.none', Muster.t('state.' + a.state)));
			return el('div', {}, bar, formBox);
		}

		function openForm(act, a, formBox, msg) {
			const inputs = act.fields.map(f => {
				const last = localStorage.getItem(LAST + f.name);
				return Object.assign({}, f, {value: last ?? undefined, id: 'act-' + f.name});
			}).map(f => Object.assign(field(f), {spec: f}));
			const lists = [];
			for (const f of act.fields)
				if (f.list)
					lists.push(datalist(f.list, a));
			const submit = el('button', {type: 'submit', class: 'primary'}, tx('act.' + act.id));
			const cancel = el('button', {type: 'button', i18n: 'act.cancel'});
			const form = el('form', {class: 'action-form', id: 'action-form', dataset: {action: act.id}},
				el('h3', {}, tx('act.' + act.id)), inputs, lists, el('div', {class: 'actions'}, submit, cancel));
			const values = () => Object.fromEntries(inputs.map(d => [d.spec.name, d.querySelector('input,select').value.trim()]));
			const toggle = () => {
				const v = values();
				for (const d of inputs)
					if (d.spec.when) {
						d.hidden = !d.spec.when(v);
						d.querySelector('input,select').required = !d.hidden;
					}
			};
			form.addEventListener('change', toggle);
			toggle();
			cancel.addEventListener('click', () => clear(formBox));
			form.addEventListener('submit', async ev => {
				ev.preventDefault();
				const v = values();
				for (const d of inputs)
					if (d.hidden)
						delete v[d.spec.name];
				for (const [k, x] of Object.entries(v))
					localStorage.setItem(LAST + k, x);
				if (await commit(act, a, v, msg, submit))
					clear(formBox);
			});
			clear(formBox).append(form);
			const first = inputs.find(d => !d.hidden);
			if (first)
				first.querySelector('input,select').focus();
		}

		/* Suggestions for a field: the asset's inspection kinds, the teams, the open deployments. */
		function datalist(id, a) {
			const dl = el('datalist', {id});
			const fill = values => dl.append(...values.map(v => el('option', {value: v})));
			if (id === 'kinds')
				fill((a.inspections || []).map(i => i.kind));
			else if (id === 'teams')
				Muster.guard(null, async () => fill((await Muster.get('/api/v1/teams')).map(x => x.team).filter(x => x !== a.team)));
			else if (id === 'deployments')
				Muster.guard(null, async () => fill((await Muster.cmd('deploy/list')).filter(d => d.status === 'open').map(d => d.deployment)));
			return dl;
		}

		async function commit(act, a, values, msg, button) {
			button.disabled = true;
			try {
				const args = act.count ? [currentCount(), a.id] : [a.id];
				const r = await Muster.post(act.cmd, args, values);
				const index = r.index ?? r.first_index;
				await show(a.id, index);
				const m = box.querySelector('#action-msg');
				say(m, el('span', {}, tx('act.done', Muster.t('event.' + (r.type || (act.count ? 'count.scan' : ''))), index)), 'ok');
				if (opts.onDone)
					opts.onDone(r);
				return true;
			} catch (e) {
				say(msg, e);
				button.disabled = false;
				return false;
			}
		}

		return {show, get asset() { return current; }};
	}

	return {create, currentCount, setCount};
})();
