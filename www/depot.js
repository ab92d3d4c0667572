/*
 * depot.html: a depot keeper's overview for a team or one depot: readiness
 * rate (asset ready), assets by state, overdue inspections (inspect due
 * --overdue), inventory counts (start, show with missing and unexpected,
 * close) and a PDF sheet of labels made as a job with its progress.
 */
'use strict';
Muster.page(async () => {
	const {$, el, tx, tenum, clear, say, guard, cmd, get, post} = Muster;
	const teamSel = $('#team');
	const depotSel = $('#depot');
	const msg = $('#depot-msg');
	const LIMIT = 25;
	const STATES = ['in_depot', 'checked_out', 'in_repair', 'transfer_pending', 'requisitioned', 'released', 'scrapped'];
	let state = localStorage.getItem('muster.depot.state') || 'checked_out';

	const [teams, depots] = (await guard(msg, () => Promise.all([get('/api/v1/teams'), cmd('depot/list')]))) || [[], []];
	const option = (v, text, key) => el('option', {value: v, text, i18n: key});
	teamSel.append(option('', undefined, 'depot.all_teams'), ...teams.map(x => option(x.team, x.team + ' ' + (x.name || ''))));
	function fillDepots() {
		const keep = depotSel.value || localStorage.getItem('muster.depot.depot') || '';
		clear(depotSel).append(option('', undefined, 'depot.all_depots'),
			...depots.filter(d => !teamSel.value || d.team === teamSel.value).map(d => option(d.depot, d.depot + ' ' + (d.name || ''))));
		depotSel.value = [...depotSel.options].some(o => o.value === keep) ? keep : '';
	}
	teamSel.value = localStorage.getItem('muster.depot.team') || (teams.length === 1 ? teams[0].team : '');
	fillDepots();
	teamSel.addEventListener('change', () => {
		depotSel.value = '';
		fillDepots();
	});

	const filters = () => ({team: teamSel.value, depot: depotSel.value});

	const table = (id, heads, rows, row) => Muster.table(id, heads, rows, row, {limit: LIMIT, stack: true});
	const assetLink = id => el('a', {href: 'asset.html?id=' + encodeURIComponent(id), text: id});

	async function ready() {
		const box = clear($('#ready'));
		const r = await cmd('asset/ready', [], filters());
		/* One block a team or depot: its name, a bar, and the figures (narrow enough for a phone). */
		box.append(el('p', {class: 'muted'}, tx('depot.ready_date', r.date)),
			el('ul', {class: 'rates', id: 'ready-table'}, r.groups.map(g => el('li', {},
				el('span', {class: 'name'}, g.team ? [tx('f.team'), ' ', g.team] : [tx('f.depot'), ' ', g.depot]),
				el('progress', {max: 1, value: g.rate, 'aria-label': Muster.percent(g.rate)}),
				el('span', {class: 'figures'}, tx('depot.rate_of', Muster.percent(g.rate), g.ready, g.total))))));
		if (r.not_ready.length)
			box.append(el('details', {id: 'not-ready-box'}, el('summary', {}, tx('depot.not_ready', r.not_ready.length)),
				table('not-ready', ['f.id', 'depot.why'], r.not_ready, a => el('tr', {},
					el('td', {}, assetLink(a.id)), el('td', {}, a.why.map((w, i) => [i ? ', ' : '', tenum('notready', w)]))))));
	}

	async function assets() {
		const all = await get('/api/v1/assets', filters());
		const counts = Object.fromEntries(STATES.map(s => [s, 0]));
		for (const a of all)
			counts[a.state] = (counts[a.state] || 0) + 1;
		const bar = clear($('#states'));
		for (const s of STATES) {
			const b = el('button', {type: 'button', 'aria-pressed': String(s === state), class: s === state ? 'primary' : undefined,
				dataset: {state: s}}, tenum('state', s), ' ', el('span', {class: 'count', text: String(counts[s])}));
			b.addEventListener('click', () => {
				state = s;
				localStorage.setItem('muster.depot.state', s);
				guard(msg, assets);
			});
			bar.append(b);
		}
		/* The rows of the chosen state, as the API filters them. */
		const rows = await get('/api/v1/assets', Object.assign(filters(), {state}));
		clear($('#assets')).append(rows.length ? table('assets-table', ['f.id', 'field.type', 'field.model', 'field.holder', 'field.depot'], rows,
			a => el('tr', {}, el('td', {}, assetLink(a.id)), el('td', {text: a.type || ''}), el('td', {text: a.model || ''}),
				el('td', {}, a.holder || '', a.purpose ? [' (', tenum('purpose', a.purpose), ')'] : null), el('td', {text: a.depot || ''})))
			: el('p', {class: 'muted'}, tx('depot.none_in', Muster.t('state.' + state))));
	}

	async function overdue() {
		const list = await cmd('inspect/due', [], Object.assign(filters(), {overdue: true}));
		clear($('#overdue')).append(list.length ? table('overdue-table', ['f.id', 'insp.kind', 'insp.due', 'insp.last', 'insp.status'], list,
			i => el('tr', {}, el('td', {}, assetLink(i.id)), el('td', {text: i.kind}), el('td', {text: i.due || ''}),
				el('td', {text: i.last || '—'}), el('td', {}, tenum('due', i.status))))
			: el('p', {class: 'muted', i18n: 'depot.no_overdue'}));
	}

	async function load() {
		localStorage.setItem('muster.depot.team', teamSel.value);
		localStorage.setItem('muster.depot.depot', depotSel.value);
		msg.replaceChildren();
		await Promise.all([guard(msg, ready), guard(msg, assets), guard(msg, overdue)]);
	}
	$('#filter').addEventListener('submit', ev => {
		ev.preventDefault();
		load();
	});

	/* ---- inventory counts ---- */
	const countMsg = $('#count-msg');
	const countId = $('#count-id');
	Muster.openCounts(countId);
	/* The count being scanned into, else a new id for today's. */
	countId.value = AssetView.currentCount() || 'PD-' + Muster.today().replace(/-/g, '');
	function list(title, ids, open) {
		return el('details', {open: open && ids.length > 0}, el('summary', {}, tx(title, ids.length)),
			el('p', {}, ids.map((id, i) => [i ? ', ' : '', assetLink(id)])));
	}
	function showCount(c) {
		const dl = el('dl', {class: 'fields'},
			el('dt', {i18n: 'depot.count_id'}), el('dd', {text: c.count}),
			el('dt', {i18n: 'depot.count_state'}), el('dd', {}, tx(c.open ? 'depot.count_open' : 'depot.count_closed', c.index)));
		for (const [k, key] of [['depot', 'f.depot'], ['matched', 'depot.matched'], ['scanned', 'depot.scanned']])
			if (c[k] !== undefined)
				dl.append(el('dt', {i18n: key}), el('dd', {text: String(c[k])}));
		clear($('#count')).append(dl, list('depot.missing', c.missing || []), list('depot.unexpected', c.unexpected || [], true));
	}
	async function viewCount() {
		const c = await cmd('count/show', [countId.value.trim()]);
		showCount(c);
		return c;
	}
	const countWhich = () => {
		const id = countId.value.trim();
		if (!id)
			say(countMsg, tx('depot.count_which'), 'error');
		return id;
	};
	$('#count-start').addEventListener('click', () => guard(countMsg, async () => {
		const id = countWhich();
		if (!id)
			return;
		if (!depotSel.value)
			return say(countMsg, tx('depot.pick_depot'), 'error');
		const r = await post('count/start', [id], {depot: depotSel.value});
		AssetView.setCount(id);
		say(countMsg, tx('depot.count_started', id, r.index), 'ok');
		Muster.openCounts(countId);
		await viewCount();
	}));
	$('#count-form').addEventListener('submit', ev => {
		ev.preventDefault();
		guard(countMsg, viewCount);
	});
	$('#count-close').addEventListener('click', () => guard(countMsg, async () => {
		const id = countWhich();
		if (!id)
			return;
		const c = await post('count/close', [id]);
		if (AssetView.currentCount() === id)
			AssetView.setCount('');
		Muster.openCounts(countId);
		await viewCount(); /* the signed result */
		say(countMsg, tx('depot.count_closed_ok', id, c.index), 'ok');
	}));

	/* ---- labels ---- */
	$('#labels').addEventListener('click', async () => {
		const f = filters();
		const box = $('#labels-job');
		if (!f.team && !f.depot) {
			say(clear(box).appendChild(el('div', {class: 'msg'})), tx('depot.pick_team'), 'error');
			return;
		}
		const opts = f.depot ? {depot: f.depot} : {team: f.team};
		const name = 'labels-' + (f.depot || f.team) + '.pdf';
		$('#labels').disabled = true;
		await Muster.job(box, 'label', [], Object.assign(opts, {format: 'pdf', out: name}));
		$('#labels').disabled = false;
	});

	await load();
});
