/* index.html: sign-in (app.js shows the form), then a home with the pages for the person's roles. */
'use strict';
Muster.page(async s => {
	const {el, tx, $, tenum} = Muster;
	$('#home-h').replaceChildren(tx('home.hello', s.name));
	Muster.append(Muster.clear($('#home-roles')), [tx('home.roles'), ' ', (s.roles || []).map((r, i) => [i ? ', ' : '', tenum('role', r)])]);
	for (const p of Muster.pagesFor(s))
		$('#home-links').append(el('li', {}, el('a', {href: p.href}, el('strong', {i18n: p.key}), el('span', {class: 'muted', i18n: p.desc}))));
	const site = $('#site');
	await Muster.guard(null, async () => {
		const d = await Muster.get('/api/v1/site');
		site.append(el('dt', {i18n: 'site.origin'}), el('dd', {text: d.origin}),
			el('dt', {i18n: 'site.size'}), el('dd', {text: String(d.size)}));
	});
});
