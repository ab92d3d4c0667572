/*
 * reports.html: the province report plugins (report list), one run for a
 * month and optionally a team as a job with its progress (report run), then
 * the report and its .minisig to download.
 */
'use strict';
Muster.page(async () => {
	const {$, el, tx, bi, clear, say, guard, cmd, get} = Muster;
	const msg = $('#reports-msg');
	/* The last whole month (Beijing time): a report for a month not begun is refused. */
	const now = Muster.today();
	let y = Number(now.slice(0, 4)), m = Number(now.slice(5, 7)) - 1;
	if (m === 0)
		y--, m = 12;
	$('#month').value = `${y}-${String(m).padStart(2, '0')}`;

	const [list, teams] = (await guard(msg, () => Promise.all([cmd('report/list'), get('/api/v1/teams')]))) || [{plugins: []}, []];
	$('#team').append(el('option', {value: '', i18n: 'depot.all_teams'}), ...teams.map(x => el('option', {value: x.team, text: x.team + ' ' + (x.name || '')})));
	const box = $('#plugins');
	if (!list.plugins.length)
		box.append(el('p', {class: 'muted', i18n: 'reports.none'}));
	list.plugins.forEach((p, i) => {
		const id = 'plugin-' + p.name;
		box.append(el('label', {for: id, class: 'choice'},
			el('input', {type: 'radio', name: 'plugin', id, value: p.name, checked: i === 0}),
			el('span', {}, el('strong', {text: p.name}), ' ', bi(p.title_en || p.title, p.title), el('br'),
				el('span', {class: 'muted'}, p.province, ' · .', p.extension, ' · v', p.version))));
	});

	$('#report-form').addEventListener('submit', async ev => {
		ev.preventDefault();
		const pick = box.querySelector('input:checked');
		if (!pick)
			return say(msg, tx('reports.pick'), 'error');
		const p = list.plugins.find(x => x.name === pick.value);
		const month = $('#month').value;
		const team = $('#team').value;
		const out = `${p.name}-${month}${team ? '-' + team : ''}.${p.extension}`;
		$('#run').disabled = true;
		msg.replaceChildren();
		clear($('#report-result'));
		const j = await Muster.job($('#report-job'), 'report/run', [p.name], {month, team, out});
		$('#run').disabled = false;
		const r = j.result;
		if (j.state === 'done' && r && r.sha256)
			$('#report-result').append(el('dl', {class: 'fields card'},
				el('dt', {i18n: 'reports.bytes'}), el('dd', {text: String(r.bytes)}),
				el('dt', {text: 'SHA-256'}), el('dd', {text: r.sha256}),
				el('dt', {i18n: 'reports.key'}), el('dd', {text: r.key_id}),
				el('dt', {i18n: 'site.size'}), el('dd', {text: String(r.size)})));
	});
});
