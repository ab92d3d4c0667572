/*
 * people.html: who can be deployed on a date for a mission's needs (GET
 * /api/v1/ready), what falls due (due), one person's certificates and exams
 * (person show) with HR's exam form (exam record), and deployments with what
 * the people and assets still owe (deploy list, deploy show).
 */
'use strict';
Muster.page(async () => {
	const {$, el, tx, bi, tenum, clear, say, guard, cmd, get, post} = Muster;
	const personLink = (id, name) => el('a', {href: '#person-h', dataset: {person: id}, class: 'person-link'}, name || id);
	/* Reasons and warnings of ready: the server's words in both languages. */
	const reasons = list => (list || []).map((r, i) => [i ? el('br') : null, r.text_zh ? bi(r.text, r.text_zh) : r.text]);
	const table = (id, heads, rows, row, limit) => Muster.table(id, heads, rows, row, {stack: true, limit});

	/* ---- readiness ---- */
	const date = $('#ready-date');
	const teamSel = $('#ready-team');
	date.value = Muster.today();
	const [teams, kinds] = (await guard($('#ready-msg'), () => Promise.all([get('/api/v1/teams'), cmd('cert/kinds')]))) || [[], []];
	teamSel.append(el('option', {value: '', i18n: 'depot.all_teams'}), ...teams.map(x => el('option', {value: x.team, text: x.team + ' ' + (x.name || '')})));
	if (teams.length === 1)
		teamSel.value = teams[0].team;
	/* A certificate kind by its name (cert kinds), the code in English. */
	const kindName = k => {
		const x = kinds.find(y => y.kind === k);
		return x && x.name ? bi(k, x.name) : k;
	};
	const needs = $('#needs');
	for (const k of [...kinds, {kind: 'special'}]) {
		const id = 'need-' + k.kind;
		needs.append(el('label', {for: id}, el('input', {type: 'checkbox', id, value: k.kind}),
			k.kind === 'special' ? tx('people.special') : bi(k.kind, k.name)));
	}

	async function ready() {
		const kindsWanted = [...needs.querySelectorAll('input:checked')].map(i => i.value);
		const r = await get('/api/v1/ready', {date: date.value, team: teamSel.value, needs: kindsWanted.join(',')});
		const row = key => p => el('tr', {dataset: {person: p.person}},
			el('td', {}, personLink(p.person, p.name)), el('td', {}, tenum('position', p.position)),
			el('td', {}, tenum('pstatus', p.status)), el('td', {class: 'wide'}, reasons(p[key])),
			key === 'reasons' && p.warnings.length ? el('td', {class: 'wide'}, reasons(p.warnings)) : null);
		clear($('#ready')).append(
			el('p', {id: 'ready-summary'}, el('strong', {}, tx('people.ready_sum', r.date, r.deployable_count, r.people)),
				r.team ? [' ', r.team] : null, r.needs.length ? [' · ', tx('people.needs'), ' ', r.needs.join(', ')] : null),
			el('h3', {}, tx('people.not_deployable', r.not_deployable.length)),
			table('not-deployable', ['people.name', 'people.position', 'people.status', 'people.reasons', 'people.warnings'], r.not_deployable, row('reasons')),
			el('h3', {}, tx('people.deployable', r.deployable_count)),
			table('deployable', ['people.name', 'people.position', 'people.status', 'people.warnings'], r.deployable, row('warnings')));
	}
	$('#ready-form').addEventListener('submit', ev => {
		ev.preventDefault();
		guard($('#ready-msg'), ready);
	});

	/* ---- due list ---- */
	async function due() {
		const r = await cmd('due', [], {within: $('#due-within').value || 30, team: teamSel.value});
		clear($('#due')).append(el('p', {}, tx('people.due_sum', r.items.length, r.until)),
			table('due-table', ['people.due', 'people.when', 'people.name', 'people.what'], r.items, i => el('tr', {},
				el('td', {text: i.due}),
				el('td', {}, i.overdue ? el('span', {class: 'badge bad'}, tx('people.overdue_d', -i.days)) : tx('people.in_d', i.days)),
				el('td', {}, personLink(i.person, i.name)),
				el('td', {class: 'wide'}, tenum('what', i.what), ' ', el('span', {class: 'muted', text: i.text}))), 50));
	}
	$('#due-form').addEventListener('submit', ev => {
		ev.preventDefault();
		guard($('#due-msg'), due);
	});

	/* ---- one person ---- */
	const pid = $('#person-id');
	let shown = null;
	guard(null, async () => {
		const list = await cmd('person/list');
		$('#people-list').append(...list.map(p => el('option', {value: p.person, label: p.name + ' · ' + p.team})));
	});
	async function person(id) {
		const d = await cmd('person/show', [id]);
		const p = d.person;
		shown = p.person;
		const box = clear($('#person'));
		box.append(el('h3', {id: 'person-name'}, p.name, ' ', el('span', {class: 'muted', text: p.person})),
			el('dl', {class: 'fields'},
				el('dt', {i18n: 'f.team'}), el('dd', {text: p.team}),
				el('dt', {i18n: 'people.position'}), el('dd', {}, tenum('position', p.position)),
				el('dt', {i18n: 'people.status'}), el('dd', {}, tenum('pstatus', p.status)),
				el('dt', {i18n: 'people.birth'}), el('dd', {}, p.birth, ' ', tenum('sex', p.sex)),
				el('dt', {i18n: 'people.hired'}), el('dd', {text: p.hired}),
				el('dt', {i18n: 'people.periodic_due'}), el('dd', {text: d.periodic_due || '—'}),
				el('dt', {i18n: 'people.deployable_q'}), el('dd', {},
					el('span', {class: 'badge ' + (d.deployable ? 'ok' : 'bad')}, tx(d.deployable ? 'ready.yes' : 'ready.no')),
					' ', d.reasons.map((r, i) => [i ? '; ' : '', r.text]))),
			el('h3', {i18n: 'people.certs'}),
			table('certs', ['people.kind', 'people.number', 'people.valid_to', 'people.review_due', 'people.status'], d.certificates, c => el('tr', {},
				el('td', {}, kindName(c.kind), c.item ? [' ', el('span', {class: 'muted', text: c.item})] : null),
				el('td', {text: c.number}), el('td', {text: c.valid_to || '—'}), el('td', {text: c.due || '—'}),
				el('td', {}, tenum('cert', c.status)))),
			el('h3', {i18n: 'people.exams'}),
			table('exams', ['f.date', 'people.exam', 'people.institution', 'people.conclusion'], d.exams.slice().reverse(), x => el('tr', {},
				el('td', {text: x.date}), el('td', {}, tenum('exam', x.exam), x.deployment ? [' ', x.deployment] : null),
				el('td', {text: x.institution}), el('td', {}, tenum('conclusion', x.conclusion)))));
		if (Muster.hasRole('hr', 'admin'))
			box.append(examForm(p.person));
	}
	function examForm(id) {
		const f = Muster.field;
		const exam = f({name: 'exam', label: 'people.exam', required: true, value: 'periodic',
			options: ['pre_placement', 'periodic', 'exit', 'emergency'].map(v => [v, 'exam.' + v])});
		const conclusion = f({name: 'conclusion', label: 'people.conclusion', required: true, value: 'normal',
			options: ['normal', 'recheck', 'suspected', 'contraindication', 'other'].map(v => [v, 'conclusion.' + v])});
		const fields = [exam, f({name: 'institution', label: 'people.institution', required: true, value: localStorage.getItem('muster.last.institution') ?? undefined}),
			conclusion, f({name: 'date', label: 'f.date', type: 'date', value: Muster.today()}),
			f({name: 'items', label: 'people.items'}), f({name: 'due', label: 'people.recheck_due', type: 'date'}),
			f({name: 'contraindication', label: 'people.contraindication'}), f({name: 'deployment', label: 'f.deployment'})];
		const get = n => fields.find(d => d.querySelector('[name="' + n + '"]')).querySelector('[name="' + n + '"]');
		/* Only the fields the chosen exam and conclusion take (exam record refuses the others). */
		const toggle = () => {
			const c = get('conclusion').value;
			const show = {items: c === 'recheck', due: c === 'recheck', contraindication: c === 'contraindication', deployment: get('exam').value === 'emergency'};
			for (const [n, on] of Object.entries(show)) {
				get(n).closest('.field').hidden = !on;
				get(n).required = on && n !== 'deployment';
			}
		};
		const msg = el('div', {class: 'msg', 'aria-live': 'polite'});
		const btn = el('button', {type: 'submit', class: 'primary', i18n: 'people.exam_go'});
		const form = el('form', {id: 'exam-form', class: 'action-form'}, el('h3', {i18n: 'people.exam_h'}), el('div', {class: 'row'}, fields), btn, msg);
		form.addEventListener('change', toggle);
		toggle();
		form.addEventListener('submit', ev => {
			ev.preventDefault();
			const body = {};
			for (const d of fields) {
				const i = d.querySelector('input,select');
				if (!d.hidden && i.value.trim())
					body[i.name] = i.value.trim();
			}
			if (body.items)
				body.items = body.items.split(/[,，、]\s*/).filter(Boolean); /* a repeated option */
			localStorage.setItem('muster.last.institution', body.institution || '');
			btn.disabled = true;
			guard(msg, async () => {
				const r = await post('exam/record', [id], body);
				await person(id);
				say($('#person-msg'), tx('people.exam_done', r.index), 'ok');
			}).finally(() => {
				btn.disabled = false;
			});
		});
		return form;
	}
	$('#person-form').addEventListener('submit', ev => {
		ev.preventDefault();
		guard($('#person-msg'), () => person(pid.value.trim()));
	});
	/* A name anywhere on the page opens the person. */
	$('#page').addEventListener('click', ev => {
		const a = ev.target.closest('a.person-link');
		if (!a)
			return;
		pid.value = a.dataset.person;
		guard($('#person-msg'), () => person(a.dataset.person));
	});

	/* ---- deployments ---- */
	async function deploys() {
		const list = await cmd('deploy/list');
		clear($('#deploys')).append(table('deploy-table', ['people.deployment', 'people.ordered', 'people.incident', 'people.people', 'people.assets', 'people.status'],
			list.slice().reverse(), d => el('tr', {},
				el('td', {}, el('button', {type: 'button', class: 'deploy-btn', dataset: {deployment: d.deployment}, text: d.deployment})),
				el('td', {text: Muster.when(d.ordered)}), el('td', {}, d.incident, ' ', el('span', {class: 'muted', text: d.location})),
				el('td', {class: 'num', text: String(d.people)}), el('td', {class: 'num', text: String(d.assets)}),
				el('td', {}, tenum('dstatus', d.status)))));
	}

	async function deploy(id) {
		const d = await cmd('deploy/show', [id]);
		const x = d.deployment;
		const owes = (o, by) => o ? el('span', {class: 'badge bad'}, tx(by, o.owed_by)) : el('span', {class: 'badge ok'}, tx('people.owes_nothing'));
		clear($('#deploy')).append(el('h3', {id: 'deploy-name'}, x.deployment, ' ', el('span', {class: 'muted', text: x.incident})),
			el('dl', {class: 'fields'},
				el('dt', {i18n: 'people.location'}), el('dd', {text: x.location}),
				el('dt', {i18n: 'people.ordered'}), el('dd', {text: Muster.when(x.ordered)}),
				el('dt', {i18n: 'people.returned'}), el('dd', {text: Muster.when(x.returned) || '—'}),
				el('dt', {i18n: 'people.response'}), el('dd', {}, d.response_minutes !== undefined ?
					tx(d.on_time ? 'people.response_ok' : 'people.response_late', d.response_minutes, d.target_minutes) : '—'),
				el('dt', {i18n: 'people.status'}), el('dd', {}, tenum('dstatus', d.status))),
			el('h3', {}, tx('people.crew', d.people.length)),
			el('ul', {id: 'deploy-people'}, d.people.map(p => el('li', {}, personLink(p.person, p.name), ' ',
				p.owes ? owes(p, 'people.owes_exam') : null, p.override ? el('div', {class: 'muted'}, tx('people.override', p.override)) : null))),
			el('h3', {}, tx('people.kit', d.assets.length, d.assets.filter(a => a.owes).length)),
			el('ul', {id: 'deploy-assets'}, d.assets.filter(a => a.owes).map(a => el('li', {},
				el('a', {href: 'asset.html?id=' + encodeURIComponent(a.id), text: a.id}), ' ', a.type, ' ', owes(a, 'people.owes_insp')))));
	}
	$('#deploys').addEventListener('click', ev => {
		const b = ev.target.closest('button.deploy-btn');
		if (b)
			guard($('#deploy-msg'), () => deploy(b.dataset.deployment));
	});

	/* The due list's and a person's words come from the server in the page's language. */
	Muster.onLang(() => {
		guard($('#due-msg'), due);
		if (shown)
			guard($('#person-msg'), () => person(shown));
	});

	await Promise.all([guard($('#ready-msg'), ready), guard($('#due-msg'), due), guard($('#deploy-msg'), deploys)]);
});
