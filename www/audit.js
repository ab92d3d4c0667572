/*
 * audit.html: where the money went in a year (audit summary by fund, team and
 * month, drawn as SVG bar charts), budget against actual (budget list and the
 * summary), the audit's findings with their evidence, the log's latest
 * checkpoint and a full verification run as a job, and the signed audit
 * report (PDF and .minisig) made as a job.
 */
'use strict';
Muster.page(async () => {
	const {$, el, tx, bi, tenum, clear, say, guard, cmd, yuan} = Muster;
	const msg = $('#audit-msg');
	const yearSel = $('#year');
	const thisYear = Number(Muster.today().slice(0, 4));
	for (let y = thisYear; y > thisYear - 6; y--)
		yearSel.append(el('option', {value: String(y), text: String(y)}));
	yearSel.value = localStorage.getItem('muster.audit.year') || String(thisYear);
	const LIMIT = 20;

	async function spending(year) {
		const [fund, team, month] = await Promise.all(['fund', 'team', 'month'].map(by => cmd('audit/summary', [], {by, year})));
		$('#spend-total').replaceChildren(tx('audit.total', yuan(fund.total.total), fund.total.count, yuan(fund.pending.total), yuan(fund.rejected.total)));
		const label = g => g.name ? g.key + ' ' + g.name : g.key;
		const put = (box, rows, key) => clear($(box)).append(rows.length ? Chart.bars(rows, Muster.t(key, year), $(box)) : el('p', {class: 'muted', i18n: 'audit.no_spend'}));
		put('#chart-fund', fund.groups.map(g => ({label: label(g), value: g.total, budget: g.budget})), 'audit.chart_fund');
		put('#chart-team', team.groups.map(g => ({label: label(g), value: g.total, budget: g.budget})), 'audit.chart_team');
		put('#chart-month', month.groups.map(g => ({label: g.key, value: g.total})), 'audit.chart_month');
		return fund;
	}

	/* Budgets of the year per fund (summed over teams) against what the fund counted. */
	async function budget(year, fund) {
		const list = (await cmd('budget/list')).filter(b => Number(b.year) === Number(year));
		const byFund = new Map();
		for (const b of list) {
			const x = byFund.get(b.fund) || {fund: b.fund, teams: [], amount: 0};
			x.teams.push(b.team);
			x.amount += b.amount;
			byFund.set(b.fund, x);
		}
		const actual = new Map(fund.groups.map(g => [g.key, g]));
		for (const g of fund.groups)
			if (!byFund.has(g.key))
				byFund.set(g.key, {fund: g.key, teams: [], amount: 0});
		const rows = [...byFund.values()];
		if (!rows.length)
			return clear($('#budget')).append(el('p', {class: 'muted', i18n: 'audit.no_budget'}));
		clear($('#budget')).append(Muster.table('budget-table', ['audit.fund', 'f.team', 'audit.budget', 'audit.actual', 'audit.variance', 'audit.rate'], rows, r => {
			const spent = (actual.get(r.fund) || {}).total || 0;
			const rate = r.amount ? spent / r.amount : null;
			return el('tr', {},
				el('td', {}, r.fund, ' ', el('span', {class: 'muted', text: (actual.get(r.fund) || {}).name || ''})),
				el('td', {text: r.teams.join(', ')}),
				el('td', {class: 'num', text: yuan(r.amount)}), el('td', {class: 'num', text: yuan(spent)}),
				el('td', {class: 'num', text: yuan(spent - r.amount)}),
				el('td', {class: 'num'}, rate === null ? '—' : [el('progress', {max: 1, value: Math.min(rate, 1), 'aria-hidden': 'true'}), ' ', Muster.percent(rate)]));
		}, {stack: true, num: ['audit.budget', 'audit.actual', 'audit.variance', 'audit.rate']}));
	}

	async function findings(year) {
		const r = await Muster.cmdFull('audit', [], {year});
		const d = r.data;
		const counts = {};
		for (const f of d.findings)
			counts[f.check] = (counts[f.check] || 0) + 1;
		const row = f => el('tr', {dataset: {finding: f.id}},
			el('td', {}, el('span', {class: 'badge ' + (f.severity === 'serious' ? 'bad' : 'warn')}, tenum('severity', f.severity))),
			el('td', {}, tenum('check', f.check)),
			el('td', {class: 'wide'}, bi(f.message.en, f.message.zh), f.disposition ? el('div', {class: 'muted'}, tenum('disposition', f.disposition.disposition)) : null),
			el('td', {class: 'num', text: f.spend === undefined ? '' : String(f.spend)}),
			el('td', {}, el('a', {class: 'evidence', href: Muster.cmdUrl('audit/evidence', [f.id]), download: 'evidence-' + f.id.replace(/[^A-Za-z0-9_.-]+/g, '_') + '.json'}, tx('audit.evidence'))));
		clear($('#findings')).append(
			el('p', {id: 'findings-summary'}, r.exit === 1 ? el('span', {class: 'badge warn'}, tx('audit.has_findings')) : el('span', {class: 'badge ok'}, tx('audit.clean')),
				' ', tx('audit.findings_sum', d.count, d.serious, d.open)),
			Object.keys(counts).length ? el('p', {class: 'muted'}, Object.entries(counts).map(([c, n], i) => [i ? ' · ' : '', tenum('check', c), ' ', String(n)])) : null,
			d.findings.length ? Muster.table('findings-table', ['audit.severity', 'audit.check', 'audit.finding', 'audit.spend', 'audit.evidence_h'], d.findings, row, {stack: true, limit: LIMIT}) : null);
	}

	async function site() {
		const s = await Muster.get('/api/v1/site');
		clear($('#site')).append(
			el('dt', {i18n: 'site.origin'}), el('dd', {text: s.origin}),
			el('dt', {i18n: 'site.size'}), el('dd', {id: 'site-size', text: String(s.size)}),
			el('dt', {i18n: 'site.root'}), el('dd', {text: s.root}));
		$('#checkpoint').textContent = s.checkpoint;
	}

	async function load() {
		const year = yearSel.value;
		localStorage.setItem('muster.audit.year', year);
		msg.replaceChildren();
		const fund = await guard(msg, () => spending(year));
		await Promise.all([fund ? guard(msg, () => budget(year, fund)) : null, guard(msg, () => findings(year)), guard(msg, site)]);
	}
	$('#year-form').addEventListener('submit', ev => {
		ev.preventDefault();
		load();
	});

	$('#verify').addEventListener('click', async () => {
		const b = $('#verify');
		const out = $('#verify-msg');
		b.disabled = true;
		out.replaceChildren();
		const j = await Muster.job($('#verify-job'), 'log/verify');
		b.disabled = false;
		const r = j.result;
		if (j.state === 'done' && r && r.ok)
			say(out, tx('audit.verified', r.entries, r.checkpoints, r.attachments ?? 0), 'ok');
		else if (r && r.ok === false)
			say(out, r.attachment ? tx('audit.verify_file', r.attachment, r.reason) : tx('audit.verify_bad', r.index, r.reason), 'error');
		guard(msg, site);
	});

	$('#report').addEventListener('click', async () => {
		const b = $('#report');
		const year = yearSel.value;
		b.disabled = true;
		await Muster.job($('#report-job'), 'audit/report', [], {year, out: `audit-${year}.pdf`});
		b.disabled = false;
	});

	await load();
});
